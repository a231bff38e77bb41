package io.batchdiffusion.schedulers;

/**
 * The noise levels of Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
 * Models" (https://arxiv.org/abs/2206.00364), equation (5) with rho = 7, and the inverse map from a sigma
 * back to a (fractional) training timestep, as diffusers computes them in numpy.
 */
final class KarrasSigmas {

    private static final double RHO = 7.0;

    private KarrasSigmas() {}

    /** {@code n} sigmas from {@code sigmaMax} down to {@code sigmaMin}, evenly spaced in sigma^(1/rho). */
    static double[] sigmas(double sigmaMin, double sigmaMax, int n) {
        double[] ramp = NumpyOps.linspace(0, 1, n, true);
        double minInvRho = Math.pow(sigmaMin, 1 / RHO);
        double maxInvRho = Math.pow(sigmaMax, 1 / RHO);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), RHO);
        }
        return out;
    }

    /**
     * diffusers' {@code _sigma_to_t}: linear interpolation in log sigma between the two training sigmas
     * around {@code sigma}. {@code logSigmas} is float32 (numpy log of the float32 table), as upstream.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        float lowLog = logSigmas[low];
        float highLog = logSigmas[low + 1];
        double w = (lowLog - logSigma) / (lowLog - highLog);
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * low + w * (low + 1);
    }

    /** The float32 table sigma_t = sqrt((1 - alphas_cumprod) / alphas_cumprod), computed as in torch. */
    static float[] trainingSigmas(float[] alphasCumprod) {
        float[] out = new float[alphasCumprod.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
        }
        return out;
    }

    static float[] logs(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(values[i]);
        }
        return out;
    }
}
