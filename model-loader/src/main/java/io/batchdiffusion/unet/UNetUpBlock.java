package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** An up block of the UNet: each resnet layer concatenates one skip connection to its input. */
interface UNetUpBlock {

    /** How many skip connections the block consumes (one per resnet). */
    int numResnets();

    /**
     * @param skips the block's skip connections, in the order the down path produced them (the last is
     *     consumed first)
     * @param upsampleSize [height, width] for the upsampler, or {@code null} to double
     */
    NDArray forward(NDArray x, List<NDArray> skips, NDArray temb, NDArray context, long[] upsampleSize);
}
