package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.blocks.Attention;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE builds it: resnet, single-head spatial self-attention
 * with group norm and a residual connection, resnet; no time embedding.
 */
final class UNetMidBlock2D {

    private final ResnetBlock2D resnet0;
    private final Attention attention;
    private final ResnetBlock2D resnet1;

    UNetMidBlock2D(Weights w, long channels, int groups, double eps, Activation act) {
        this.resnet0 = new ResnetBlock2D(w.pp("resnets").pp(0), channels, channels, 0, groups, eps, act);
        // attention_head_dim = channels: one head; diffusers upcasts this softmax (upcast_softmax=True)
        Attention.Spec spec = Attention.Spec.spatial(channels, 1, channels, groups, eps, 1.0, true);
        this.attention = new Attention(w.pp("attentions").pp(0), spec);
        this.resnet1 = new ResnetBlock2D(w.pp("resnets").pp(1), channels, channels, 0, groups, eps, act);
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> resnet1.forward(attention.forward(resnet0.forward(x, null), null), null));
    }
}
