package io.batchdiffusion.training;

/**
 * How a stage trains: steps, batch size, peak learning rate (reached after {@code warmupSteps} of linear
 * warm-up, then a cosine decay to a tenth of it), global gradient-norm clip, and the decay of the
 * parameter average it ships (0: ship the parameters themselves).
 */
record StagePlan(int steps, int batchSize, float learningRate, int warmupSteps, float clipNorm, float emaDecay) {

    StagePlan {
        if (steps < 1 || batchSize < 1) {
            throw new IllegalArgumentException("a stage needs at least one step of at least one sample");
        }
    }

    float learningRate(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        double progress = (step - warmupSteps) / (double) Math.max(1, steps - warmupSteps);
        return (float) (learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)))));
    }

    /** The same plan with the step count scaled (at least one step), for short test runs. */
    StagePlan scaled(double factor) {
        int scaledSteps = Math.max(1, (int) Math.round(steps * factor));
        int scaledWarmup = Math.min(warmupSteps, Math.max(1, scaledSteps / 10));
        return new StagePlan(scaledSteps, batchSize, learningRate, scaledWarmup, clipNorm, emaDecay);
    }

    boolean keepsEma() {
        return emaDecay > 0;
    }

    /** What a checkpoint must have been made with to be continued under this plan. */
    String fingerprint(long seed) {
        return "seed=" + seed + ",steps=" + steps + ",batch=" + batchSize + ",lr=" + learningRate + ",warmup="
                + warmupSteps + ",clip=" + clipNorm + ",ema=" + emaDecay;
    }
}
