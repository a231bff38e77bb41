package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code LMSDiscreteScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record LmsDiscreteSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        boolean useKarrasSigmas,
        String predictionType,
        String timestepSpacing,
        int stepsOffset) {

    public static final LmsDiscreteSchedulerConfig DEFAULTS =
            new LmsDiscreteSchedulerConfig(1000, 0.0001, 0.02, "linear", null, false, "epsilon", "linspace", 0);
}
