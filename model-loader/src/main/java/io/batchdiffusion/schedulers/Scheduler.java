package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * A noise scheduler as the denoising loop uses it (diffusers' {@code SchedulerMixin} after
 * {@code set_timesteps}). An instance is created for one render batch with its number of inference steps
 * already set, and is stateful (multistep history): run {@link #step} once per step index, in order.
 *
 * <p>Every array returned is a new array the caller owns, attached to the manager of the arrays passed
 * in (DJL puts a result on its first operand's manager); the scheduler keeps private copies of what it
 * needs across steps, outside any {@code NDScope}, so the caller may run each step in its own scope.
 */
public interface Scheduler {

    /** Number of denoising steps, the length of {@link #timesteps()} (PNDM runs N+1). */
    int numSteps();

    /** The timestep the UNet gets at each step, as upstream passes it (integer or float valued). */
    double[] timesteps();

    /** Standard deviation of the initial noise: multiply the Gaussian starting latents by this. */
    float initNoiseSigma();

    /** The UNet input for step {@code stepIndex} (a scaled copy of {@code sample}). */
    NDArray scaleModelInput(NDArray sample, int stepIndex);

    /**
     * One reverse-diffusion step from {@code sample} at step {@code stepIndex} given the UNet output.
     *
     * @param noise source of the Gaussian noise stochastic schedulers draw; may be null for the
     *     deterministic ones
     */
    StepOutput step(NDArray modelOutput, int stepIndex, NDArray sample, NoiseSource noise);

    /** Forward diffusion: {@code original} noised to the noise level of step {@code stepIndex} (img2img). */
    NDArray addNoise(NDArray original, NDArray noise, int stepIndex);
}
