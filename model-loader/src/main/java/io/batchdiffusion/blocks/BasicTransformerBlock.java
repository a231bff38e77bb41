package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.LayerNorm;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code BasicTransformerBlock} with {@code norm_type="layer_norm"}: pre-norm self-attention
 * ({@code attn1}), cross-attention over the text ({@code attn2}) and a GEGLU feed-forward ({@code ff}),
 * each added to the residual stream. With {@code only_cross_attention}, {@code attn1} attends to the
 * text as well.
 */
public final class BasicTransformerBlock {

    private static final double NORM_EPS = 1e-5;

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;
    private final boolean onlyCrossAttention;

    /** @param crossAttentionDim width of the encoder hidden states, or 0 for no {@code attn2} */
    public BasicTransformerBlock(
            Weights w,
            long dim,
            int heads,
            long dimHead,
            long crossAttentionDim,
            boolean onlyCrossAttention,
            boolean upcastAttention) {
        this.onlyCrossAttention = onlyCrossAttention;
        long attn1Context = onlyCrossAttention ? crossAttentionDim : dim;
        this.norm1 = new LayerNorm(w.pp("norm1"), dim, NORM_EPS);
        this.attn1 = new Attention(
                w.pp("attn1"), Attention.Spec.transformer(dim, attn1Context, heads, dimHead, upcastAttention));
        boolean cross = crossAttentionDim > 0;
        this.norm2 = cross ? new LayerNorm(w.pp("norm2"), dim, NORM_EPS) : null;
        this.attn2 = cross
                ? new Attention(
                        w.pp("attn2"),
                        Attention.Spec.transformer(dim, crossAttentionDim, heads, dimHead, upcastAttention))
                : null;
        this.norm3 = new LayerNorm(w.pp("norm3"), dim, NORM_EPS);
        this.ff = new FeedForward(w.pp("ff"), dim, 0, "geglu", true);
    }

    /** @param x tokens [B, T, dim]; @param context encoder hidden states [B, S, crossAttentionDim] */
    public NDArray forward(NDArray x, NDArray context) {
        return Scope.run(() -> {
            NDArray h = attn1.forward(norm1.forward(x), onlyCrossAttention ? context : null)
                    .addi(x);
            // Out of place: the norms keep h for the backward pass, so it must not change under them.
            if (attn2 != null) {
                h = h.add(attn2.forward(norm2.forward(h), context));
            }
            return h.add(ff.forward(norm3.forward(h)));
        });
    }
}
