package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.GroupNorm;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code ResnetBlock2D} with {@code time_embedding_norm="default"}: two GroupNorm-act-conv
 * stages, the projected time embedding added between them, and a shortcut (1x1 conv, or 3x3 with
 * {@code conv_shortcut}) when the channel count changes.
 */
public final class ResnetBlock2D {

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final Activation act;
    private final float outputScaleFactor;

    /**
     * @param tembChannels width of the time embedding, or 0 for a block without one (the VAE's)
     * @param convShortcut a 3x3 instead of a 1x1 shortcut convolution
     */
    public ResnetBlock2D(
            Weights w,
            long in,
            long out,
            long tembChannels,
            int groups,
            double eps,
            Activation act,
            double outputScaleFactor,
            boolean convShortcut) {
        this.norm1 = new GroupNorm(w.pp("norm1"), groups, in, eps);
        this.conv1 = Conv2d.same(w.pp("conv1"), in, out, 3);
        this.timeEmbProj = tembChannels > 0 ? new Linear(w.pp("time_emb_proj"), tembChannels, out) : null;
        this.norm2 = new GroupNorm(w.pp("norm2"), groups, out, eps);
        this.conv2 = Conv2d.same(w.pp("conv2"), out, out, 3);
        this.convShortcut = in == out ? null : Conv2d.same(w.pp("conv_shortcut"), in, out, convShortcut ? 3 : 1);
        this.act = act;
        this.outputScaleFactor = (float) outputScaleFactor;
    }

    /** The block with a 1x1 shortcut and output scale 1, as every UNet and VAE block builds it. */
    public ResnetBlock2D(Weights w, long in, long out, long tembChannels, int groups, double eps, Activation act) {
        this(w, in, out, tembChannels, groups, eps, act, 1.0, false);
    }

    /** @param temb time embedding [B, tembChannels], or {@code null} for a block built without one */
    public NDArray forward(NDArray x, NDArray temb) {
        return Scope.run(() -> {
            NDArray h = stage(norm1, conv1, x);
            if (timeEmbProj != null && temb != null) {
                NDArray t = timeEmbProj.forward(act.apply(temb));
                h = h.addi(t.reshape(t.getShape().get(0), t.getShape().get(1), 1, 1));
            }
            h = Scope.advance(h, stage(norm2, conv2, h), x);
            NDArray sum = h.addi(convShortcut == null ? x : convShortcut.forward(x));
            return outputScaleFactor == 1f ? sum : Scalars.divi(sum, outputScaleFactor);
        });
    }

    /** norm, activation, convolution, freeing the two intermediates as soon as the convolution is done. */
    private NDArray stage(GroupNorm norm, Conv2d conv, NDArray x) {
        return Scope.run(() -> conv.forward(act.apply(norm.forward(x))));
    }
}
