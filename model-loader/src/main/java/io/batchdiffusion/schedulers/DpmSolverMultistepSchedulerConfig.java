package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code DPMSolverMultistepScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record DpmSolverMultistepSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        int solverOrder,
        String predictionType,
        boolean thresholding,
        double dynamicThresholdingRatio,
        double sampleMaxValue,
        String algorithmType,
        String solverType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        boolean useKarrasSigmas,
        boolean useLuLambdas,
        String finalSigmasType,
        double lambdaMinClipped,
        String varianceType,
        String timestepSpacing,
        int stepsOffset,
        boolean rescaleBetasZeroSnr) {

    public static final DpmSolverMultistepSchedulerConfig DEFAULTS = new DpmSolverMultistepSchedulerConfig(
            1000,
            0.0001,
            0.02,
            "linear",
            null,
            2,
            "epsilon",
            false,
            0.995,
            1.0,
            "dpmsolver++",
            "midpoint",
            true,
            false,
            false,
            false,
            "zero",
            Double.NEGATIVE_INFINITY,
            null,
            "linspace",
            0,
            false);
}
