package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * Observes a render, like diffusers' {@code callback_on_step_end}: the parity checks record what the
 * UNet saw and produced at each step and the decoded images. Arrays are only valid during the call.
 */
public interface StepListener {

    StepListener NONE = new StepListener() {};

    /** After step {@code step}: the scaled UNet input, its raw output and the latents after the step. */
    default void onStep(int step, double timestep, NDArray unetInput, NDArray unetOutput, NDArray latents) {}

    /** The final latents and the decoded images {@code [batch, height, width, 3]} in [0, 1]. */
    default void onDecoded(NDArray finalLatents, NDArray images) {}
}
