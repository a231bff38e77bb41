package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.batchdiffusion.nn.Scope;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * A 4th-order linear multistep (Adams-Bashforth) solver of the probability-flow ODE in sigma
 * (k-diffusion's {@code sample_lms}; Karras et al. 2022, https://arxiv.org/abs/2206.00364, for the
 * sigma parameterisation): x_{i+1} = x_i + sum_j c_j d_{i-j} with c_j the integrals of the Lagrange
 * basis through the last sigmas. Mirrors diffusers' {@code LMSDiscreteScheduler}.
 */
public final class LmsDiscreteScheduler implements Scheduler, HasSigmas {

    static final String NAME = "LMSDiscreteScheduler";
    private static final int ORDER = 4;

    private final PredictionType prediction;
    private final SigmaSchedule schedule;
    private final float initNoiseSigma;

    /** Past derivatives, newest last. */
    private final Deque<NDArray> derivatives = new ArrayDeque<>();

    private int nextStep;

    public LmsDiscreteScheduler(LmsDiscreteSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        this.prediction = PredictionType.parse(config.predictionType(), NAME, PredictionType.values());
        float[] alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                config.numTrainTimesteps(),
                config.betaStart(),
                config.betaEnd(),
                config.betaSchedule(),
                config.trainedBetas(),
                false));
        TimestepSpacing spacing = TimestepSpacing.parse(config.timestepSpacing());
        this.schedule = SigmaSchedule.of(
                alphasCumprod, spacing, numInferenceSteps, config.stepsOffset(), config.useKarrasSigmas(), null, null);
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
        Schedulers.checkInOrder(NAME, stepIndex, nextStep, numSteps());
        return StepOutput.inScope(() -> {
            float sigma = schedule.sigmas[stepIndex];
            // 1. denoised D(x; sigma)
            NDArray predOriginal = Denoiser.predictOriginal(prediction, modelOutput, sample, sigma);
            // 2. ODE derivative, kept for the next steps
            NDArray derivative = sample.sub(predOriginal).div(sigma);
            NDScope.unregister(derivative);
            derivatives.addLast(derivative);
            if (derivatives.size() > ORDER) {
                derivatives.removeFirst().close();
            }
            // 3. multistep coefficients, 4. x_{i+1} = x_i + sum_j c_j d_{i-j}
            int order = Math.min(stepIndex + 1, ORDER);
            NDArray sum = null;
            Iterator<NDArray> newestFirst = derivatives.descendingIterator();
            for (int j = 0; j < order; j++) {
                float c = (float) LmsCoefficients.coefficient(schedule.sigmas, order, stepIndex, j);
                NDArray term = newestFirst.next().mul(c);
                sum = sum == null ? term : sum.add(term);
            }
            nextStep++;
            return StepOutput.withPrediction(sample.add(sum), predOriginal);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return Scope.run(() -> original.add(noise.mul(schedule.sigmas[stepIndex])));
    }
}
