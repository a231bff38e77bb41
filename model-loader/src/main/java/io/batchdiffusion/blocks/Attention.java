package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.GroupNorm;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.ScaledDotProductAttention;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code attention_processor.Attention} with its default processor: multi-head attention of
 * {@code to_q(x)} over {@code to_k(context)}, {@code to_v(context)} (context = x for self-attention),
 * then {@code to_out.0}. Takes tokens [B, T, C], or feature maps [B, C, H, W] (the VAE's mid-block),
 * which are flattened to tokens and restored after an optional group norm.
 */
public final class Attention {

    /** The constructor arguments of diffusers' {@code Attention} that our models use. */
    public record Spec(
            long queryDim,
            long crossAttentionDim,
            int heads,
            long dimHead,
            boolean bias,
            int normNumGroups,
            double normEps,
            boolean residualConnection,
            double rescaleOutputFactor,
            boolean upcastAttention) {

        /** {@code attn1}/{@code attn2} of a transformer block: no q/k/v bias, group norm or residual. */
        public static Spec transformer(long queryDim, long contextDim, int heads, long dimHead, boolean upcast) {
            return new Spec(queryDim, contextDim, heads, dimHead, false, 0, 0, false, 1.0, upcast);
        }

        /** Self-attention over a feature map with q/k/v biases, group norm and a residual connection. */
        public static Spec spatial(
                long channels, int heads, long dimHead, int groups, double eps, double rescale, boolean upcast) {
            return new Spec(channels, channels, heads, dimHead, true, groups, eps, true, rescale, upcast);
        }

        long innerDim() {
            return heads * dimHead;
        }
    }

    private final Spec spec;
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final double scale;

    public Attention(Weights w, Spec spec) {
        this.spec = spec;
        long inner = spec.innerDim();
        this.groupNorm = spec.normNumGroups() > 0
                ? new GroupNorm(w.pp("group_norm"), spec.normNumGroups(), spec.queryDim(), spec.normEps())
                : null;
        // Checkpoints saved before diffusers 0.15 name the VAE's attention query/key/value/proj_attn;
        // diffusers renames them on load (_convert_deprecated_attention_blocks), and so do we.
        boolean legacy = !w.contains("to_q.weight") && w.contains("query.weight");
        this.toQ = new Linear(w.pp(legacy ? "query" : "to_q"), spec.queryDim(), inner, spec.bias());
        this.toK = new Linear(w.pp(legacy ? "key" : "to_k"), spec.crossAttentionDim(), inner, spec.bias());
        this.toV = new Linear(w.pp(legacy ? "value" : "to_v"), spec.crossAttentionDim(), inner, spec.bias());
        this.toOut = new Linear(legacy ? w.pp("proj_attn") : w.pp("to_out").pp(0), inner, spec.queryDim(), true);
        this.scale = 1.0 / Math.sqrt(spec.dimHead());
    }

    /** @param context encoder hidden states [B, S, crossAttentionDim], or {@code null} for self-attention */
    public NDArray forward(NDArray x, NDArray context) {
        return Scope.run(() -> {
            Shape shape = x.getShape();
            boolean spatial = shape.dimension() == 4;
            NDArray normed = groupNorm == null ? x : groupNorm.forward(x);
            NDArray tokens = spatial ? toTokens(normed) : normed;
            NDArray kv = context == null ? tokens : context;
            NDArray q = splitHeads(toQ.forward(tokens));
            NDArray k = splitHeads(toK.forward(kv));
            NDArray v = splitHeads(toV.forward(kv));
            NDArray attended = ScaledDotProductAttention.apply(q, k, v, scale, null, spec.upcastAttention());
            NDArray out = toOut.forward(mergeHeads(attended));
            if (spatial) {
                out = out.transpose(0, 2, 1).reshape(shape);
            }
            if (spec.residualConnection()) {
                out = out.add(x);
            }
            return spec.rescaleOutputFactor() == 1.0 ? out : Scalars.divi(out, (float) spec.rescaleOutputFactor());
        });
    }

    /** [B, C, H, W] to [B, H*W, C]. */
    private static NDArray toTokens(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
    }

    /** [B, T, heads*dimHead] to [B, heads, T, dimHead]. */
    private NDArray splitHeads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), spec.heads(), spec.dimHead()).transpose(0, 2, 1, 3);
    }

    private NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), spec.innerDim());
    }
}
