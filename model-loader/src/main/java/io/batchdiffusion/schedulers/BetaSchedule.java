package io.batchdiffusion.schedulers;

import java.util.List;

/**
 * The training noise schedule (betas, alphas_cumprod) every scheduler starts from, computed with the
 * float32 operation sequence diffusers runs in torch so the tables match upstream bit for bit: torch's
 * CPU linspace kernel, {@code cumprod} accumulating in double, float32 elementwise ops.
 */
final class BetaSchedule {

    /** Lanes of torch's CPU float vector (AVX2), which decide how linspace rounds. */
    private static final int VECTOR_LANES = 8;

    private BetaSchedule() {}

    /** diffusers' {@code betas} for the config keys of the same names. */
    static float[] betas(
            int numTrainTimesteps,
            double betaStart,
            double betaEnd,
            String betaSchedule,
            List<Double> trainedBetas,
            boolean rescaleBetasZeroSnr) {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        float[] betas;
        if (trainedBetas != null) {
            betas = new float[trainedBetas.size()];
            for (int i = 0; i < betas.length; i++) {
                betas[i] = trainedBetas.get(i).floatValue();
            }
            if (betas.length != numTrainTimesteps) {
                throw new IllegalArgumentException("trained_betas has " + betas.length
                        + " values but num_train_timesteps is " + numTrainTimesteps);
            }
        } else {
            betas = switch (betaSchedule) {
                case "linear" -> torchLinspace(betaStart, betaEnd, numTrainTimesteps);
                case "scaled_linear" ->
                    square(torchLinspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps));
                case "squaredcos_cap_v2" -> cosineBetas(numTrainTimesteps);
                default ->
                    throw new IllegalArgumentException("beta_schedule '" + betaSchedule
                            + "' is not one of linear, scaled_linear, squaredcos_cap_v2");
            };
        }
        return rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
    }

    /** {@code torch.cumprod(1.0 - betas)}: float32 alphas, product accumulated in double. */
    static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            acc *= 1f - betas[i];
            out[i] = (float) acc;
        }
        return out;
    }

    /**
     * Algorithm 1 of Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed"
     * (https://arxiv.org/abs/2305.08891): shift and scale sqrt(alphas_cumprod) so the last is zero.
     */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        float[] sqrtBar = alphasCumprod(betas);
        for (int i = 0; i < sqrtBar.length; i++) {
            sqrtBar[i] = (float) Math.sqrt(sqrtBar[i]);
        }
        float first = sqrtBar[0];
        float last = sqrtBar[sqrtBar.length - 1];
        float scale = first / (first - last);
        float[] bar = new float[sqrtBar.length];
        for (int i = 0; i < bar.length; i++) {
            float shifted = (sqrtBar[i] - last) * scale;
            bar[i] = shifted * shifted;
        }
        float[] out = new float[bar.length];
        out[0] = 1f - bar[0];
        for (int i = 1; i < bar.length; i++) {
            out[i] = 1f - bar[i] / bar[i - 1];
        }
        return out;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} as the CPU kernel computes it: float step,
     * the first half counted from {@code start} and the second from {@code end}, in vector groups whose
     * base is one fused multiply-add, the tail element by element.
     */
    static float[] torchLinspace(double startValue, double endValue, int steps) {
        float start = (float) startValue;
        float end = (float) endValue;
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        int vectorized = steps / (2 * VECTOR_LANES) * (2 * VECTOR_LANES);
        for (int base = 0; base < vectorized; base += VECTOR_LANES) {
            float first = linspaceElement(start, end, step, steps, halfway, base);
            for (int lane = 0; lane < VECTOR_LANES; lane++) {
                out[base + lane] = Math.fma(lane, step, first);
            }
        }
        for (int i = vectorized; i < steps; i++) {
            out[i] = linspaceElement(start, end, step, steps, halfway, i);
        }
        return out;
    }

    private static float linspaceElement(float start, float end, float step, int steps, int halfway, int i) {
        return i < halfway ? Math.fma(step, i, start) : Math.fma(-step, steps - i - 1, end);
    }

    private static float[] square(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * values[i];
        }
        return out;
    }

    /** Glide's cosine schedule (Nichol and Dhariwal 2021), betas capped at 0.999, in double. */
    private static float[] cosineBetas(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double ratio = 1 - cosineAlphaBar((double) (i + 1) / n) / cosineAlphaBar((double) i / n);
            out[i] = (float) Math.min(ratio, 0.999);
        }
        return out;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }
}
