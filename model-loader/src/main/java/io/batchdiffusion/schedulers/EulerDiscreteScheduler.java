package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Scope;

/**
 * Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"
 * (https://arxiv.org/abs/2206.00364), Algorithm 2 without churn (s_churn = 0): deterministic Euler steps
 * of the probability-flow ODE dx/dsigma = (x - D(x; sigma)) / sigma over the discrete training sigmas.
 * Mirrors diffusers' {@code EulerDiscreteScheduler}.
 */
public final class EulerDiscreteScheduler implements Scheduler, HasSigmas {

    static final String NAME = "EulerDiscreteScheduler";

    private final PredictionType prediction;
    private final SigmaSchedule schedule;
    private final float initNoiseSigma;
    private final double[] timesteps;

    public EulerDiscreteScheduler(EulerDiscreteSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        if (!"linear".equals(config.interpolationType())) {
            throw new IllegalArgumentException(
                    NAME + ": interpolation_type '" + config.interpolationType() + "' is not supported (linear)");
        }
        if (!"discrete".equals(config.timestepType()) && !"continuous".equals(config.timestepType())) {
            throw new IllegalArgumentException(
                    NAME + ": timestep_type '" + config.timestepType() + "' is not one of discrete, continuous");
        }
        this.prediction = PredictionType.parse(config.predictionType(), NAME, PredictionType.values());
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
        this.schedule = SigmaSchedule.of(
                alphasCumprod,
                spacing,
                numInferenceSteps,
                config.stepsOffset(),
                config.useKarrasSigmas(),
                config.sigmaMin(),
                config.sigmaMax());
        this.initNoiseSigma = schedule.initNoiseSigma(spacing);
        boolean continuous = "continuous".equals(config.timestepType()) && prediction == PredictionType.V_PREDICTION;
        this.timesteps = continuous ? edmTimesteps(schedule.sigmas, numInferenceSteps) : schedule.timesteps;
    }

    /** EDM's c_noise = log(sigma) / 4 as the UNet timestep. */
    private static double[] edmTimesteps(float[] sigmas, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = 0.25f * TorchScalarMath.log(sigmas[i]);
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
        Schedulers.checkStepIndex(NAME, stepIndex, timesteps.length);
        return StepOutput.inScope(() -> {
            float sigma = schedule.sigmas[stepIndex];
            // 1. denoised D(x; sigma)
            NDArray predOriginal = Denoiser.predictOriginal(prediction, modelOutput, sample, sigma);
            // 2. ODE derivative d = (x - D) / sigma
            NDArray derivative = sample.sub(predOriginal).div(sigma);
            // 3. Euler step to the next sigma
            float dt = schedule.sigmas[stepIndex + 1] - sigma;
            NDArray prev = sample.add(derivative.mul(dt));
            return StepOutput.withPrediction(prev, predOriginal);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return Scope.run(() -> original.add(noise.mul(schedule.sigmas[stepIndex])));
    }
}
