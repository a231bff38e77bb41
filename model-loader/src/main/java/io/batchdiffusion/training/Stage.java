package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/** One model being trained: its parameters, its batches and loss, and how long and fast it learns. */
interface Stage {

    /** Short name for progress lines and checkpoint files ("clip", "vae", "unet"). */
    String name();

    /** The trainable parameters by checkpoint name. */
    Map<String, NDArray> parameters();

    StagePlan plan();

    /** The scalar loss of the batch of {@code step}, built in {@code batch}; a function of the step alone. */
    NDArray loss(int step, NDManager batch);
}
