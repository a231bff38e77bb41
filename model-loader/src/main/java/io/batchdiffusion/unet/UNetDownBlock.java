package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** A down block of the UNet: its output states are the skip connections the up blocks take. */
interface UNetDownBlock {

    /**
     * @param context encoder hidden states (ignored by blocks without attention)
     * @return the output of every resnet (or attention) layer and of the downsampler, the last being
     *     the block's output
     */
    NDList forward(NDArray x, NDArray temb, NDArray context);
}
