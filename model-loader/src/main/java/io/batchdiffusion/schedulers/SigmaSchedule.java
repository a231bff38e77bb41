package io.batchdiffusion.schedulers;

/**
 * The sigma-parameterised ("k-diffusion") schedulers' view of the noise schedule: x_t = x_0 + sigma * eps
 * with the model input scaled by 1 / sqrt(sigma^2 + 1). Shared by Euler, Euler Ancestral and LMS.
 */
final class SigmaSchedule {

    /** The UNet timestep per step (float32 values). */
    final double[] timesteps;
    /** Sigma per step, then the final 0 (float32, length steps + 1). */
    final float[] sigmas;

    private SigmaSchedule(double[] timesteps, float[] sigmas) {
        this.timesteps = timesteps;
        this.sigmas = sigmas;
    }

    /**
     * diffusers' {@code set_timesteps} of the discrete k-diffusion schedulers: float32 timesteps by
     * spacing, sigmas interpolated from the training table at them, or Karras sigmas (mapped back to
     * fractional timesteps) when {@code karras}.
     */
    static SigmaSchedule of(
            float[] alphasCumprod,
            TimestepSpacing spacing,
            int n,
            int stepsOffset,
            boolean karras,
            Double sigmaMin,
            Double sigmaMax) {
        double[] timesteps = toFloat32(spacing.timesteps(alphasCumprod.length, n, stepsOffset, false));
        float[] table = KarrasSigmas.trainingSigmas(alphasCumprod);
        double[] sigmas = NumpyOps.interp(timesteps, table);
        if (karras) {
            double min = sigmaMin != null ? sigmaMin : sigmas[sigmas.length - 1];
            double max = sigmaMax != null ? sigmaMax : sigmas[0];
            sigmas = KarrasSigmas.sigmas(min, max, n);
            float[] logSigmas = KarrasSigmas.logs(table);
            for (int i = 0; i < n; i++) {
                timesteps[i] = KarrasSigmas.sigmaToT(sigmas[i], logSigmas);
            }
            timesteps = toFloat32(timesteps);
        }
        float[] withZero = new float[n + 1];
        for (int i = 0; i < n; i++) {
            withZero[i] = (float) sigmas[i];
        }
        return new SigmaSchedule(timesteps, withZero);
    }

    /** {@code init_noise_sigma}: max sigma, or sqrt(max^2 + 1) for leading spacing. */
    float initNoiseSigma(TimestepSpacing spacing) {
        float max = 0f;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        return spacing == TimestepSpacing.LEADING ? (float) Math.sqrt(max * max + 1f) : max;
    }

    /** 1 / sqrt(sigma^2 + 1) is applied as a division by this, as upstream. */
    float inputScaleDivisor(int stepIndex) {
        float s = sigmas[stepIndex];
        return (float) Math.sqrt(s * s + 1f);
    }

    private static double[] toFloat32(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
