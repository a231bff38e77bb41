package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.batchdiffusion.nn.Scope;

/**
 * Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models"
 * (https://arxiv.org/abs/2211.01095): the multistep data-prediction solver, Algorithm 2 (DPM-Solver++(2M))
 * with the first and last steps of first order (equation 8, the DDIM step in lambda). Optionally on
 * Karras sigmas ("DPM++ 2M Karras"). Mirrors diffusers' {@code DPMSolverMultistepScheduler} for
 * {@code algorithm_type="dpmsolver++"}, solver orders 1 and 2.
 */
public final class DpmSolverMultistepScheduler implements Scheduler, HasSigmas {

    static final String NAME = "DPMSolverMultistepScheduler";

    private final DpmSolverMultistepSchedulerConfig config;
    private final PredictionType prediction;
    private final DpmSolverSchedule schedule;

    /** The previous step's data prediction x_0 (the multistep history of order 2). */
    private NDArray previousX0;

    private int nextStep;

    public DpmSolverMultistepScheduler(DpmSolverMultistepSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        requireSupported(config);
        this.config = config;
        this.prediction = PredictionType.parse(config.predictionType(), NAME, PredictionType.values());
        this.schedule = DpmSolverSchedule.of(config, numInferenceSteps);
    }

    private static void requireSupported(DpmSolverMultistepSchedulerConfig c) {
        String unsupported = null;
        if (!"dpmsolver++".equals(c.algorithmType())) {
            unsupported = "algorithm_type '" + c.algorithmType() + "' (supported: dpmsolver++)";
        } else if (c.solverOrder() < 1 || c.solverOrder() > 2) {
            unsupported = "solver_order " + c.solverOrder() + " (supported: 1, 2)";
        } else if (!"midpoint".equals(c.solverType()) && !"heun".equals(c.solverType())) {
            unsupported = "solver_type '" + c.solverType() + "' (supported: midpoint, heun)";
        } else if (c.thresholding()) {
            unsupported = "thresholding=true";
        } else if (c.useLuLambdas()) {
            unsupported = "use_lu_lambdas=true";
        } else if (c.varianceType() != null) {
            unsupported = "variance_type '" + c.varianceType() + "'";
        } else if (!"zero".equals(c.finalSigmasType()) && !"sigma_min".equals(c.finalSigmasType())) {
            unsupported = "final_sigmas_type '" + c.finalSigmasType() + "' (supported: zero, sigma_min)";
        }
        if (unsupported != null) {
            throw new IllegalArgumentException(NAME + ": " + unsupported + " is not supported");
        }
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
        return 1f;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
        return sample.duplicate();
    }

    @Override
    public StepOutput step(NDArray modelOutput, int stepIndex, NDArray sample, NoiseSource noise) {
        Schedulers.checkInOrder(NAME, stepIndex, nextStep, numSteps());
        int n = numSteps();
        boolean lastStep = stepIndex == n - 1;
        boolean lowerOrderFinal = lastStep
                && (config.eulerAtFinal()
                        || (config.lowerOrderFinal() && n < 15)
                        || "zero".equals(config.finalSigmasType()));
        boolean firstOrder = config.solverOrder() == 1 || previousX0 == null || lowerOrderFinal;
        return StepOutput.inScope(() -> {
            NDArray x0 = dataPrediction(modelOutput, sample, stepIndex);
            NDArray prev =
                    firstOrder ? firstOrderUpdate(x0, sample, stepIndex) : secondOrderUpdate(x0, sample, stepIndex);
            if (previousX0 != null) {
                previousX0.close();
            }
            previousX0 = x0;
            NDScope.unregister(x0);
            nextStep++;
            return StepOutput.of(prev);
        });
    }

    /** x_0 prediction from the model output (section 3.2: DPM-Solver++ integrates the data predictor). */
    private NDArray dataPrediction(NDArray modelOutput, NDArray sample, int i) {
        float alpha = schedule.alpha(i);
        float sigma = schedule.sigma(i);
        return switch (prediction) {
            case EPSILON -> sample.sub(modelOutput.mul(sigma)).div(alpha);
            case SAMPLE -> modelOutput.duplicate();
            case V_PREDICTION -> sample.mul(alpha).sub(modelOutput.mul(sigma));
        };
    }

    /** Equation (8): x_t = sigma_t / sigma_s * x_s - alpha_t * (e^{-h} - 1) * x_0. */
    private NDArray firstOrderUpdate(NDArray x0, NDArray sample, int i) {
        float h = schedule.lambda(i + 1) - schedule.lambda(i);
        float alphaT = schedule.alpha(i + 1);
        float ratio = schedule.sigma(i + 1) / schedule.sigma(i);
        return sample.mul(ratio).sub(x0.mul(alphaT * (TorchScalarMath.exp(-h) - 1f)));
    }

    /** Algorithm 2 step: D0 = x_0, D1 = (x_0 - x_0_prev) / r0, r0 = h_prev / h. */
    private NDArray secondOrderUpdate(NDArray x0, NDArray sample, int i) {
        float lambdaT = schedule.lambda(i + 1);
        float lambdaS0 = schedule.lambda(i);
        float lambdaS1 = schedule.lambda(i - 1);
        float h = lambdaT - lambdaS0;
        float r0 = (lambdaS0 - lambdaS1) / h;
        NDArray d1 = x0.sub(previousX0).mul(1f / r0);
        float alphaT = schedule.alpha(i + 1);
        float expm1 = TorchScalarMath.exp(-h) - 1f;
        float c0 = alphaT * expm1;
        NDArray base = sample.mul(schedule.sigma(i + 1) / schedule.sigma(i)).sub(x0.mul(c0));
        if ("midpoint".equals(config.solverType())) {
            return base.sub(d1.mul(0.5f * c0));
        }
        return base.add(d1.mul(alphaT * (expm1 / h + 1f)));
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return Scope.run(() -> original.mul(schedule.alpha(stepIndex)).add(noise.mul(schedule.sigma(stepIndex))));
    }
}
