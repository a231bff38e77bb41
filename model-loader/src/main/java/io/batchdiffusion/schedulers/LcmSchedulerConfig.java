package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code LCMScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record LcmSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        int originalInferenceSteps,
        boolean clipSample,
        double clipSampleRange,
        boolean setAlphaToOne,
        int stepsOffset,
        String predictionType,
        boolean thresholding,
        double dynamicThresholdingRatio,
        double sampleMaxValue,
        String timestepSpacing,
        double timestepScaling,
        boolean rescaleBetasZeroSnr) {

    public static final LcmSchedulerConfig DEFAULTS = new LcmSchedulerConfig(
            1000,
            0.00085,
            0.012,
            "scaled_linear",
            null,
            50,
            false,
            1.0,
            true,
            0,
            "epsilon",
            false,
            0.995,
            1.0,
            "leading",
            10.0,
            false);
}
