package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code EulerAncestralDiscreteScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record EulerAncestralDiscreteSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        String predictionType,
        String timestepSpacing,
        int stepsOffset,
        boolean rescaleBetasZeroSnr) {

    public static final EulerAncestralDiscreteSchedulerConfig DEFAULTS = new EulerAncestralDiscreteSchedulerConfig(
            1000, 0.0001, 0.02, "linear", null, "epsilon", "linspace", 0, false);
}
