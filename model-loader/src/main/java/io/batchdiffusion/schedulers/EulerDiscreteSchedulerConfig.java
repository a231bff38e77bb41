package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code EulerDiscreteScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record EulerDiscreteSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        String predictionType,
        String interpolationType,
        boolean useKarrasSigmas,
        Double sigmaMin,
        Double sigmaMax,
        String timestepSpacing,
        String timestepType,
        int stepsOffset,
        boolean rescaleBetasZeroSnr) {

    public static final EulerDiscreteSchedulerConfig DEFAULTS = new EulerDiscreteSchedulerConfig(
            1000,
            0.0001,
            0.02,
            "linear",
            null,
            "epsilon",
            "linear",
            false,
            null,
            null,
            "linspace",
            "discrete",
            0,
            false);
}
