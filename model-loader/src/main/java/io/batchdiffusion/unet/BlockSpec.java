package io.batchdiffusion.unet;

import io.batchdiffusion.blocks.Transformer2DModel;
import io.batchdiffusion.nn.Activation;

/**
 * The arguments diffusers' {@code get_down_block} / {@code get_up_block} / {@code get_mid_block} pass
 * to one UNet block, resolved for that block from the model config.
 *
 * @param prevOutputChannel width coming from the block below (up blocks only)
 * @param addSample whether the block ends with a down- or upsampler
 */
record BlockSpec(
        int numLayers,
        int transformerLayers,
        long inChannels,
        long outChannels,
        long prevOutputChannel,
        long tembChannels,
        boolean addSample,
        double resnetEps,
        Activation act,
        int resnetGroups,
        long crossAttentionDim,
        int heads,
        int downsamplePadding,
        boolean useLinearProjection,
        boolean onlyCrossAttention,
        boolean upcastAttention,
        double outputScaleFactor) {

    /** The transformer of a block whose attention runs at {@code channels} wide. */
    Transformer2DModel.Config transformer(long channels) {
        return new Transformer2DModel.Config(
                heads,
                channels / heads,
                channels,
                transformerLayers,
                crossAttentionDim,
                resnetGroups,
                useLinearProjection,
                onlyCrossAttention,
                upcastAttention);
    }
}
