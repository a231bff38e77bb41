package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.ScaledDotProductAttention;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** transformers' {@code CLIPAttention}: multi-head self-attention with q/k/v/out projections. */
final class ClipAttention {

    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;
    private final int heads;
    private final int headDim;

    ClipAttention(Weights w, int hiddenSize, int heads) {
        this.heads = heads;
        this.headDim = hiddenSize / heads;
        this.qProj = new Linear(w.pp("q_proj"), hiddenSize, hiddenSize);
        this.kProj = new Linear(w.pp("k_proj"), hiddenSize, hiddenSize);
        this.vProj = new Linear(w.pp("v_proj"), hiddenSize, hiddenSize);
        this.outProj = new Linear(w.pp("out_proj"), hiddenSize, hiddenSize);
    }

    /**
     * @param x [batch, tokens, hidden]
     * @param mask additive [batch or 1, 1, tokens, tokens] (causal and padding), or {@code null}
     */
    NDArray forward(NDArray x, NDArray mask) {
        return Scope.run(() -> {
            long batch = x.getShape().get(0);
            long tokens = x.getShape().get(1);
            NDArray q = splitHeads(qProj.forward(x), batch, tokens);
            NDArray k = splitHeads(kProj.forward(x), batch, tokens);
            NDArray v = splitHeads(vProj.forward(x), batch, tokens);
            NDArray attended = ScaledDotProductAttention.apply(q, k, v, Math.pow(headDim, -0.5), mask, true);
            return outProj.forward(attended.transpose(0, 2, 1, 3).reshape(batch, tokens, (long) heads * headDim));
        });
    }

    private NDArray splitHeads(NDArray x, long batch, long tokens) {
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3);
    }
}
