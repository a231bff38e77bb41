package io.batchdiffusion.schedulers;

import java.util.List;

/** {@code DDIMScheduler}'s scheduler_config.json, with diffusers 0.27 defaults. */
public record DdimSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        boolean clipSample,
        boolean setAlphaToOne,
        int stepsOffset,
        String predictionType,
        boolean thresholding,
        double dynamicThresholdingRatio,
        double clipSampleRange,
        double sampleMaxValue,
        String timestepSpacing,
        boolean rescaleBetasZeroSnr) {

    public static final DdimSchedulerConfig DEFAULTS = new DdimSchedulerConfig(
            1000, 0.0001, 0.02, "linear", null, true, true, 0, "epsilon", false, 0.995, 1.0, 1.0, "leading", false);
}
