package io.batchdiffusion.schedulers;

/**
 * The timesteps and sigmas of diffusers' {@code DPMSolverMultistepScheduler.set_timesteps}, and the
 * per-step alpha_t, sigma_t and lambda_t = log(alpha_t / sigma_t) computed from the float32 sigmas with
 * float32 arithmetic as upstream's torch scalars.
 */
final class DpmSolverSchedule {

    /** Integer UNet timesteps per step. */
    final double[] timesteps;
    /** Sigma per step then the final sigma (float32, length steps + 1). */
    final float[] sigmas;

    private DpmSolverSchedule(double[] timesteps, float[] sigmas) {
        this.timesteps = timesteps;
        this.sigmas = sigmas;
    }

    static DpmSolverSchedule of(DpmSolverMultistepSchedulerConfig c, int n) {
        int trainSteps = c.numTrainTimesteps();
        float[] alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                trainSteps, c.betaStart(), c.betaEnd(), c.betaSchedule(), c.trainedBetas(), c.rescaleBetasZeroSnr()));
        if (c.rescaleBetasZeroSnr()) {
            alphasCumprod[trainSteps - 1] = 0x1p-24f; // keeps the first sigma finite
        }
        int lastTimestep = trainSteps - clippedCount(alphasCumprod, c.lambdaMinClipped());
        double[] timesteps = spacedTimesteps(
                TimestepSpacing.parse(c.timestepSpacing()), trainSteps, lastTimestep, n, c.stepsOffset());
        float[] table = KarrasSigmas.trainingSigmas(alphasCumprod);
        int steps = c.useKarrasSigmas() ? n : timesteps.length;
        double[] sigmas;
        if (c.useKarrasSigmas()) {
            sigmas = KarrasSigmas.sigmas(table[0], table[trainSteps - 1], n);
            float[] logSigmas = KarrasSigmas.logs(table);
            timesteps = new double[steps];
            for (int i = 0; i < steps; i++) {
                timesteps[i] = Math.rint(KarrasSigmas.sigmaToT(sigmas[i], logSigmas));
            }
        } else {
            sigmas = NumpyOps.interp(timesteps, table);
        }
        float[] withLast = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            withLast[i] = (float) sigmas[i];
        }
        withLast[steps] = "sigma_min".equals(c.finalSigmasType()) ? table[0] : 0f;
        return new DpmSolverSchedule(timesteps, withLast);
    }

    /** How many of the lowest-noise lambdas fall below {@code lambda_min_clipped} (torch searchsorted). */
    private static int clippedCount(float[] alphasCumprod, double lambdaMinClipped) {
        int count = 0;
        for (float a : alphasCumprod) {
            float lambda = TorchScalarMath.log((float) Math.sqrt(a)) - TorchScalarMath.log((float) Math.sqrt(1f - a));
            if (lambda < lambdaMinClipped) {
                count++;
            }
        }
        return count;
    }

    /** DPM-Solver's own spacing: leading and linspace over n + 1 points with the last dropped. */
    private static double[] spacedTimesteps(
            TimestepSpacing spacing, int trainSteps, int lastTimestep, int n, int offset) {
        double[] t = new double[n];
        switch (spacing) {
            case LINSPACE -> {
                double[] points = NumpyOps.round(NumpyOps.linspace(0, lastTimestep - 1, n + 1, true));
                for (int i = 0; i < n; i++) {
                    t[i] = points[n - i];
                }
            }
            case LEADING -> {
                int ratio = lastTimestep / (n + 1);
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - i) * ratio + offset;
                }
            }
            case TRAILING -> {
                double[] points = NumpyOps.round(NumpyOps.arange(lastTimestep, 0, -(double) trainSteps / n));
                t = new double[points.length];
                for (int i = 0; i < t.length; i++) {
                    t[i] = points[i] - 1;
                }
            }
        }
        return t;
    }

    float alpha(int i) {
        float s = sigmas[i];
        return 1f / (float) Math.sqrt(s * s + 1f);
    }

    float sigma(int i) {
        return sigmas[i] * alpha(i);
    }

    float lambda(int i) {
        return TorchScalarMath.log(alpha(i)) - TorchScalarMath.log(sigma(i));
    }
}
