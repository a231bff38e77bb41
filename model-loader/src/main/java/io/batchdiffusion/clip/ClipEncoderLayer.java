package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.LayerNorm;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** transformers' {@code CLIPEncoderLayer}: pre-norm self-attention and MLP, each with a residual. */
final class ClipEncoderLayer {

    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final ClipMlp mlp;

    ClipEncoderLayer(Weights w, int hidden, int intermediate, int heads, Activation act, double eps) {
        this.layerNorm1 = new LayerNorm(w.pp("layer_norm1"), hidden, eps);
        this.selfAttn = new ClipAttention(w.pp("self_attn"), hidden, heads);
        this.layerNorm2 = new LayerNorm(w.pp("layer_norm2"), hidden, eps);
        this.mlp = new ClipMlp(w.pp("mlp"), hidden, intermediate, act);
    }

    NDArray forward(NDArray x, NDArray mask) {
        return Scope.run(() -> {
            NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x), mask));
            return h.add(mlp.forward(layerNorm2.forward(h)));
        });
    }
}
