package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Luo et al. 2023, "Latent Consistency Models" (https://arxiv.org/abs/2310.04378), Algorithm 1
 * (multistep latent consistency sampling): each step maps x_t to the trajectory origin with the
 * consistency function f(x, t) = c_skip(t) x + c_out(t) x_0(x, t), then re-noises it to the next
 * timestep with fresh noise (not after the last). Timesteps are a subset of the distillation schedule
 * {@code original_inference_steps}. Mirrors diffusers' {@code LCMScheduler}.
 */
public final class LcmScheduler implements Scheduler {

    static final String NAME = "LCMScheduler";
    private static final float SIGMA_DATA = 0.5f;

    private final PredictionType prediction;
    private final boolean clipSample;
    private final float clipSampleRange;
    private final float timestepScaling;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private final double[] timesteps;

    public LcmScheduler(LcmSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        if (config.thresholding()) {
            throw new IllegalArgumentException(NAME + ": thresholding=true is not supported");
        }
        this.prediction = PredictionType.parse(config.predictionType(), NAME, PredictionType.values());
        this.clipSample = config.clipSample();
        this.clipSampleRange = (float) config.clipSampleRange();
        this.timestepScaling = (float) config.timestepScaling();
        this.alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                config.numTrainTimesteps(),
                config.betaStart(),
                config.betaEnd(),
                config.betaSchedule(),
                config.trainedBetas(),
                config.rescaleBetasZeroSnr()));
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        this.timesteps = lcmTimesteps(config.numTrainTimesteps(), config.originalInferenceSteps(), numInferenceSteps);
    }

    /** Evenly spaced picks (floor of linspace, endpoint excluded) from the descending distillation schedule. */
    private static double[] lcmTimesteps(int trainSteps, int originalSteps, int n) {
        if (originalSteps < 1 || originalSteps > trainSteps) {
            throw new IllegalArgumentException(NAME + ": original_inference_steps " + originalSteps
                    + " must be between 1 and num_train_timesteps " + trainSteps);
        }
        if (n > originalSteps) {
            throw new IllegalArgumentException(NAME + ": " + n + " inference steps cannot exceed"
                    + " original_inference_steps " + originalSteps + " (the schedule is a subset of it)");
        }
        int k = trainSteps / originalSteps;
        double[] picks = NumpyOps.linspace(0, originalSteps, n, false);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int fromEnd = (int) Math.floor(picks[i]); // index into the descending schedule
            out[i] = (double) (originalSteps - fromEnd) * k - 1;
        }
        return out;
    }

    @Override
    public int numSteps() {
        return timesteps.length;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
        return sample.duplicate();
    }

    @Override
    public StepOutput step(NDArray modelOutput, int stepIndex, NDArray sample, NoiseSource noise) {
        Schedulers.checkStepIndex(NAME, stepIndex, numSteps());
        boolean last = stepIndex == numSteps() - 1;
        if (!last) {
            Schedulers.checkNoise(NAME, noise);
        }
        return StepOutput.inScope(() -> {
            // 1. previous timestep (the next one in the schedule)
            int t = (int) timesteps[stepIndex];
            int prevT = last ? t : (int) timesteps[stepIndex + 1];
            // 2. alphas and betas
            float alphaProd = alphasCumprod[t];
            float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
            float sqrtAlpha = (float) Math.sqrt(alphaProd);
            float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
            // 3. boundary-condition scalings c_skip, c_out (appendix of the paper)
            float scaled = t * timestepScaling;
            float cSkip = SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
            float cOut = scaled / (float) Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
            // 4. predicted x_0
            NDArray predOriginal =
                    switch (prediction) {
                        case EPSILON -> sample.sub(modelOutput.mul(sqrtBeta)).div(sqrtAlpha);
                        case SAMPLE -> modelOutput.duplicate();
                        case V_PREDICTION -> sample.mul(sqrtAlpha).sub(modelOutput.mul(sqrtBeta));
                    };
            // 5. clip x_0
            if (clipSample) {
                predOriginal = predOriginal.clip(-clipSampleRange, clipSampleRange);
            }
            // 6. consistency function f(x, t)
            NDArray denoised = predOriginal.mul(cOut).add(sample.mul(cSkip));
            // 7. re-noise to the next timestep, except after the last step
            NDArray prev;
            if (last) {
                prev = denoised.duplicate();
            } else {
                NDArray z = noise.next(modelOutput.getShape(), denoised.getDataType(), sample.getManager());
                prev = denoised.mul((float) Math.sqrt(alphaProdPrev)).add(z.mul((float) Math.sqrt(1f - alphaProdPrev)));
            }
            return new StepOutput(prev, null, denoised);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return DdpmNoise.add(original, noise, alphasCumprod[(int) timesteps[stepIndex]]);
    }
}
