package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code PNDMScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record PndmSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        boolean skipPrkSteps,
        boolean setAlphaToOne,
        String predictionType,
        String timestepSpacing,
        int stepsOffset) {

    public static final PndmSchedulerConfig DEFAULTS =
            new PndmSchedulerConfig(1000, 0.0001, 0.02, "linear", null, false, false, "epsilon", "leading", 0);
}
