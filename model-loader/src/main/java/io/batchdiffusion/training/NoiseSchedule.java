package io.batchdiffusion.training;

/**
 * The forward (noising) process the denoiser is trained on: Stable Diffusion's "scaled_linear" betas
 * (linear in their square roots from {@link #BETA_START} to {@link #BETA_END} over 1000 steps), the
 * schedule the shipped scheduler config declares.
 */
final class NoiseSchedule {

    static final int TRAIN_TIMESTEPS = 1000;
    static final double BETA_START = 0.00085;
    static final double BETA_END = 0.012;

    private final double[] alphasCumprod = new double[TRAIN_TIMESTEPS];

    NoiseSchedule() {
        double product = 1;
        double from = Math.sqrt(BETA_START);
        double to = Math.sqrt(BETA_END);
        for (int t = 0; t < TRAIN_TIMESTEPS; t++) {
            double root = from + (to - from) * t / (TRAIN_TIMESTEPS - 1);
            product *= 1 - root * root;
            alphasCumprod[t] = product;
        }
    }

    /** {@code alphas_cumprod[t]}: the share of signal variance left at timestep t. */
    double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** Signal-to-noise ratio at t. */
    double snr(int t) {
        return alphasCumprod[t] / (1 - alphasCumprod[t]);
    }
}
