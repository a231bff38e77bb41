package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Liu, Ren, Lin and Zhao 2022, "Pseudo Numerical Methods for Diffusion Models on Manifolds"
 * (https://arxiv.org/abs/2202.09778): the pseudo linear multistep (PLMS) method, the transfer part of
 * equation (9) driven by a 4th-order Adams-Bashforth combination of past noise estimates (equation 12).
 * Only the {@code skip_prk_steps} variant Stable Diffusion uses is implemented: the first step is
 * taken twice (a 2nd-order Heun-like start), so N inference steps run N+1 UNet calls with one timestep
 * repeated. Mirrors diffusers' {@code PNDMScheduler}.
 */
public final class PndmScheduler implements Scheduler {

    static final String NAME = "PNDMScheduler";

    private final PredictionType prediction;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private final double[] timesteps;
    private final int stepRatio;

    /** Past noise estimates e_t, newest last (at most 4 kept). */
    private final Deque<NDArray> ets = new ArrayDeque<>();

    private NDArray firstSample;
    private int counter;

    public PndmScheduler(PndmSchedulerConfig config, int numInferenceSteps) {
        Schedulers.checkSteps(NAME, numInferenceSteps, config.numTrainTimesteps());
        if (!config.skipPrkSteps()) {
            throw new IllegalArgumentException(NAME + ": skip_prk_steps=false (Runge-Kutta warm-up steps) is"
                    + " not supported; set skip_prk_steps to true as Stable Diffusion configs do");
        }
        this.prediction = PredictionType.parse(
                config.predictionType(), NAME, PredictionType.EPSILON, PredictionType.V_PREDICTION);
        this.alphasCumprod = BetaSchedule.alphasCumprod(BetaSchedule.betas(
                config.numTrainTimesteps(),
                config.betaStart(),
                config.betaEnd(),
                config.betaSchedule(),
                config.trainedBetas(),
                false));
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        this.stepRatio = config.numTrainTimesteps() / numInferenceSteps;
        this.timesteps = plmsTimesteps(TimestepSpacing.parse(config.timestepSpacing())
                .timesteps(config.numTrainTimesteps(), numInferenceSteps, config.stepsOffset(), true));
    }

    /** Descending t_0 > t_1 > ... becomes t_0, t_1, t_1, t_2, ...: the second timestep is repeated. */
    private static double[] plmsTimesteps(double[] descending) {
        List<Double> out = new ArrayList<>();
        out.add(descending[0]);
        if (descending.length > 1) {
            out.add(descending[1]);
        }
        for (int i = 1; i < descending.length; i++) {
            out.add(descending[i]);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
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
        Schedulers.checkInOrder(NAME, stepIndex, counter, timesteps.length);
        return StepOutput.inScope(() -> {
            int t = (int) timesteps[stepIndex];
            int prevT = t - stepRatio;
            if (counter != 1) {
                while (ets.size() > 3) {
                    ets.removeFirst().close();
                }
                ets.addLast(keep(modelOutput.duplicate()));
            } else {
                // the repeated step re-evaluates from the first sample, one step further back
                prevT = t;
                t = t + stepRatio;
            }
            NDArray from = sample;
            NDArray eps = linearMultistep(modelOutput);
            if (ets.size() == 1 && counter == 0) {
                firstSample = keep(sample.duplicate());
            } else if (ets.size() == 1 && counter == 1) {
                from = firstSample;
            }
            NDArray prev = transfer(from, t, prevT, eps);
            if (counter == 1) {
                firstSample.close();
                firstSample = null;
            }
            counter++;
            return StepOutput.of(prev);
        });
    }

    /** Equation (12): Adams-Bashforth combinations of the stored noise estimates. */
    private NDArray linearMultistep(NDArray modelOutput) {
        List<NDArray> e = new ArrayList<>(ets);
        int n = e.size();
        NDArray e1 = e.get(n - 1);
        if (n == 1) {
            return counter == 0 ? modelOutput : modelOutput.add(e1).div(2f);
        }
        NDArray e2 = e.get(n - 2);
        if (n == 2) {
            return e1.mul(3f).sub(e2).div(2f);
        }
        NDArray e3 = e.get(n - 3);
        if (n == 3) {
            return e1.mul(23f).sub(e2.mul(16f)).add(e3.mul(5f)).div(12f);
        }
        NDArray e4 = e.get(n - 4);
        return e1.mul(55f).sub(e2.mul(59f)).add(e3.mul(37f)).sub(e4.mul(9f)).mul((float) (1.0 / 24));
    }

    /** Equation (9): x_{t-delta} from x_t and the noise estimate. */
    private NDArray transfer(NDArray sample, int t, int prevT, NDArray eps) {
        float alphaProd = alphasCumprod[t];
        float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProd = 1f - alphaProd;
        float betaProdPrev = 1f - alphaProdPrev;
        if (prediction == PredictionType.V_PREDICTION) {
            eps = eps.mul((float) Math.sqrt(alphaProd)).add(sample.mul((float) Math.sqrt(betaProd)));
        }
        float sampleCoeff = (float) Math.sqrt(alphaProdPrev / alphaProd);
        float denominator =
                alphaProd * (float) Math.sqrt(betaProdPrev) + (float) Math.sqrt(alphaProd * betaProd * alphaProdPrev);
        return sample.mul(sampleCoeff).sub(eps.mul(alphaProdPrev - alphaProd).div(denominator));
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, int stepIndex) {
        return DdpmNoise.add(original, noise, alphasCumprod[(int) timesteps[stepIndex]]);
    }

    private static NDArray keep(NDArray array) {
        NDScope.unregister(array);
        return array;
    }
}
