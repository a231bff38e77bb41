package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Song, Meng and Ermon 2020, "Denoising Diffusion Implicit Models" (https://arxiv.org/abs/2010.02502):
 * the deterministic (eta = 0) update of equation (12). Mirrors diffusers' {@code DDIMScheduler}.
 */
public final class DdimScheduler implements Scheduler {

    static final String NAME = "DDIMScheduler";

    private final PredictionType prediction;
    private final boolean clipSample;
    private final float clipSampleRange;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private final double[] timesteps;
    private final int stepRatio;

    public DdimScheduler(DdimSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        if (config.thresholding()) {
            throw new IllegalArgumentException(NAME + ": thresholding=true is not supported");
        }
        this.prediction = PredictionType.parse(config.predictionType(), NAME, PredictionType.values());
        this.clipSample = config.clipSample();
        this.clipSampleRange = (float) config.clipSampleRange();
        this.alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                config.numTrainTimesteps(),
                config.betaStart(),
                config.betaEnd(),
                config.betaSchedule(),
                config.trainedBetas(),
                config.rescaleBetasZeroSnr()));
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        this.timesteps = TimestepSpacing.parse(config.timestepSpacing())
                .timesteps(config.numTrainTimesteps(), numInferenceSteps, config.stepsOffset(), true);
        this.stepRatio = config.numTrainTimesteps() / numInferenceSteps;
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
        return StepOutput.inScope(() -> {
            // 1. previous step value (t - T // n, whatever the spacing, as upstream)
            int t = (int) timesteps[stepIndex];
            int prevT = t - stepRatio;
            // 2. alphas and betas
            float alphaProd = alphasCumprod[t];
            float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
            float betaProd = 1f - alphaProd;
            float sqrtAlpha = (float) Math.sqrt(alphaProd);
            float sqrtBeta = (float) Math.sqrt(betaProd);
            // 3. predicted x_0 and epsilon, equation (12)
            NDArray predOriginal;
            NDArray predEpsilon;
            switch (prediction) {
                case EPSILON -> {
                    predOriginal = sample.sub(modelOutput.mul(sqrtBeta)).div(sqrtAlpha);
                    predEpsilon = modelOutput;
                }
                case SAMPLE -> {
                    predOriginal = modelOutput.duplicate();
                    predEpsilon = sample.sub(predOriginal.mul(sqrtAlpha)).div(sqrtBeta);
                }
                default -> {
                    predOriginal = sample.mul(sqrtAlpha).sub(modelOutput.mul(sqrtBeta));
                    predEpsilon = modelOutput.mul(sqrtAlpha).add(sample.mul(sqrtBeta));
                }
            }
            // 4. clip x_0
            if (clipSample) {
                predOriginal = predOriginal.clip(-clipSampleRange, clipSampleRange);
            }
            // 5.-6. direction pointing to x_t (sigma_t = 0 for eta = 0)
            NDArray direction = predEpsilon.mul((float) Math.sqrt(1f - alphaProdPrev));
            // 7. x_{t-1}
            NDArray prev = predOriginal.mul((float) Math.sqrt(alphaProdPrev)).add(direction);
            return StepOutput.withPrediction(prev, predOriginal);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return DdpmNoise.add(original, noise, alphasCumprod[(int) timesteps[stepIndex]]);
    }
}
