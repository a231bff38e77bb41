package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Scope;

/**
 * Ancestral sampling with Euler steps (k-diffusion's {@code sample_euler_ancestral}; Karras et al. 2022,
 * https://arxiv.org/abs/2206.00364, with the ancestral split of Song et al. 2021,
 * https://arxiv.org/abs/2011.13456): each step goes deterministically down to sigma_down and adds fresh
 * noise of sigma_up, with sigma_down^2 + sigma_up^2 = sigma_next^2. Mirrors diffusers'
 * {@code EulerAncestralDiscreteScheduler}; draws one noise array per step.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler, HasSigmas {

    static final String NAME = "EulerAncestralDiscreteScheduler";

    private final PredictionType prediction;
    private final SigmaSchedule schedule;
    private final float initNoiseSigma;

    public EulerAncestralDiscreteScheduler(EulerAncestralDiscreteSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        this.prediction = PredictionType.parse(
                config.predictionType(), NAME, PredictionType.EPSILON, PredictionType.V_PREDICTION);
        float[] alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                config.numTrainTimesteps(),
                config.betaStart(),
                config.betaEnd(),
                config.betaSchedule(),
                config.trainedBetas(),
                config.rescaleBetasZeroSnr()));
        if (config.rescaleBetasZeroSnr()) {
            alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f; // keeps the first sigma finite
        }
        TimestepSpacing spacing = TimestepSpacing.parse(config.timestepSpacing());
        this.schedule =
                SigmaSchedule.of(alphasCumprod, spacing, numInferenceSteps, config.stepsOffset(), false, null, null);
        this.initNoiseSigma = schedule.initNoiseSigma(spacing);
    }

    @Override
    public int numSteps() {
        return schedule.timesteps.length;
    }

    @Override
    public double[] timesteps() {
        return schedule.timesteps.clone();
    }

    @Override
    public float[] sigmas() {
        return schedule.sigmas.clone();
    }

    @Override
    public float initNoiseSigma() {
        return initNoiseSigma;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
        return sample.div(schedule.inputScaleDivisor(stepIndex));
    }

    @Override
    public StepOutput step(NDArray modelOutput, int stepIndex, NDArray sample, NoiseSource noise) {
        Schedulers.checkStepIndex(NAME, stepIndex, numSteps());
        Schedulers.checkNoise(NAME, noise);
        return StepOutput.inScope(() -> {
            float sigma = schedule.sigmas[stepIndex];
            // 1. denoised D(x; sigma)
            NDArray predOriginal = Denoiser.predictOriginal(prediction, modelOutput, sample, sigma);
            // 2. split the next noise level into a deterministic and a fresh-noise part
            float sigmaTo = schedule.sigmas[stepIndex + 1];
            float sigmaUp =
                    (float) Math.sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma));
            float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
            // 3. Euler step down to sigma_down
            NDArray derivative = sample.sub(predOriginal).div(sigma);
            NDArray prev = sample.add(derivative.mul(sigmaDown - sigma));
            // 4. add noise of sigma_up
            NDArray z = noise.next(modelOutput.getShape(), modelOutput.getDataType(), sample.getManager());
            prev = prev.add(z.mul(sigmaUp));
            return StepOutput.withPrediction(prev, predOriginal);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return Scope.run(() -> original.add(noise.mul(schedule.sigmas[stepIndex])));
    }
}
