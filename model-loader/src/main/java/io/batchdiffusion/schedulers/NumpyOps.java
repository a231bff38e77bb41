package io.batchdiffusion.schedulers;

/**
 * The few numpy routines diffusers builds timesteps and sigmas with, reproduced in float64 with numpy's
 * own formulas (not the mathematically equivalent ones) so the results round identically.
 */
final class NumpyOps {

    private NumpyOps() {}

    /** {@code np.linspace(start, stop, num, endpoint)}: {@code i * step + start}, last set to stop. */
    static double[] linspace(double start, double stop, int num, boolean endpoint) {
        double[] y = new double[num];
        int div = endpoint ? num - 1 : num;
        double delta = stop - start;
        double step = div > 0 ? delta / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            if (div <= 0) {
                y[i] = i * delta + start;
            } else if (step == 0) {
                y[i] = (double) i / div * delta + start;
            } else {
                y[i] = i * step + start;
            }
        }
        if (endpoint && num > 1) {
            y[num - 1] = stop;
        }
        return y;
    }

    /** {@code np.arange(start, stop, step)} in float64: {@code start + i * ((start + step) - start)}. */
    static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[length];
        double delta = (start + step) - start;
        for (int i = 0; i < length; i++) {
            y[i] = i == 0 ? start : start + i * delta;
        }
        return y;
    }

    /** {@code np.interp(x, np.arange(len(fp)), fp)}. */
    static double[] interp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v < 0) {
                out[i] = fp[0];
            } else if (v >= last) {
                out[i] = fp[last];
            } else {
                int j = (int) Math.floor(v);
                if (j == v) {
                    out[i] = fp[j];
                } else {
                    double slope = (double) fp[j + 1] - fp[j]; // xp spacing is 1
                    out[i] = slope * (v - j) + fp[j];
                }
            }
        }
        return out;
    }

    /** {@code np.round}: half to even. */
    static double[] round(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.rint(values[i]);
        }
        return out;
    }

    static double[] reversed(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }
}
