package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.GroupNorm;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code Transformer2DModel} for continuous inputs: GroupNorm, {@code proj_in} to the
 * attention width, {@code transformer_blocks} over the H*W tokens, {@code proj_out} back, plus the
 * input. The projections are 1x1 convolutions, or linears with {@code use_linear_projection} (SD 2.x).
 */
public final class Transformer2DModel {

    private static final double NORM_EPS = 1e-6;

    /** The {@code Transformer2DModel} config keys the UNet blocks set. */
    public record Config(
            int numAttentionHeads,
            long attentionHeadDim,
            long inChannels,
            int numLayers,
            long crossAttentionDim,
            int normNumGroups,
            boolean useLinearProjection,
            boolean onlyCrossAttention,
            boolean upcastAttention) {}

    private final GroupNorm norm;
    private final Conv2d projInConv;
    private final Conv2d projOutConv;
    private final Linear projInLinear;
    private final Linear projOutLinear;
    private final List<BasicTransformerBlock> blocks = new ArrayList<>();
    private final long innerDim;

    public Transformer2DModel(Weights w, Config c) {
        this.innerDim = c.numAttentionHeads() * c.attentionHeadDim();
        this.norm = new GroupNorm(w.pp("norm"), c.normNumGroups(), c.inChannels(), NORM_EPS);
        boolean linear = c.useLinearProjection();
        this.projInLinear = linear ? new Linear(w.pp("proj_in"), c.inChannels(), innerDim) : null;
        this.projInConv = linear ? null : Conv2d.same(w.pp("proj_in"), c.inChannels(), innerDim, 1);
        for (int i = 0; i < c.numLayers(); i++) {
            blocks.add(new BasicTransformerBlock(
                    w.pp("transformer_blocks").pp(i),
                    innerDim,
                    c.numAttentionHeads(),
                    c.attentionHeadDim(),
                    c.crossAttentionDim(),
                    c.onlyCrossAttention(),
                    c.upcastAttention()));
        }
        this.projOutLinear = linear ? new Linear(w.pp("proj_out"), innerDim, c.inChannels()) : null;
        this.projOutConv = linear ? null : Conv2d.same(w.pp("proj_out"), innerDim, c.inChannels(), 1);
    }

    /** @param x feature map [B, C, H, W]; @param context encoder hidden states [B, S, D] */
    public NDArray forward(NDArray x, NDArray context) {
        return Scope.run(() -> {
            Shape s = x.getShape();
            long batch = s.get(0);
            long height = s.get(2);
            long width = s.get(3);
            NDArray h = norm.forward(x);
            if (projInConv != null) {
                h = toTokens(projInConv.forward(h), innerDim);
            } else {
                h = projInLinear.forward(toTokens(h, s.get(1)));
            }
            for (BasicTransformerBlock block : blocks) {
                h = block.forward(h, context);
            }
            if (projOutConv != null) {
                h = projOutConv.forward(toMap(h, batch, height, width, innerDim));
            } else {
                h = toMap(projOutLinear.forward(h), batch, height, width, s.get(1));
            }
            return h.addi(x);
        });
    }

    /** [B, C, H, W] to [B, H*W, C]. */
    private static NDArray toTokens(NDArray x, long channels) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 3, 1).reshape(s.get(0), s.get(2) * s.get(3), channels);
    }

    /** [B, H*W, C] to [B, C, H, W]. */
    private static NDArray toMap(NDArray x, long batch, long height, long width, long channels) {
        return x.reshape(batch, height, width, channels).transpose(0, 3, 1, 2);
    }
}
