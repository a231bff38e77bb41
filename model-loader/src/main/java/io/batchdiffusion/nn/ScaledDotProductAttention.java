package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * {@code softmax(q k^T * scale + mask) v} over [batch, heads, tokens, headDim] arrays.
 *
 * <p>The score matrix of a 512x512 image's self-attention (4096 tokens) is [batch, heads, 4096, 4096];
 * queries are processed in chunks so that no chunk's scores exceed {@link #MAX_SCORE_BYTES}, keeping
 * peak memory flat without changing the result.
 */
public final class ScaledDotProductAttention {

    static final long MAX_SCORE_BYTES = 256L * 1024 * 1024;

    private ScaledDotProductAttention() {}

    /**
     * @param mask additive mask broadcastable to [batch, heads, queries, keys], or {@code null}
     * @param upcast compute scores and softmax in fp32 when the inputs are half precision
     */
    public static NDArray apply(NDArray q, NDArray k, NDArray v, double scale, NDArray mask, boolean upcast) {
        long batch = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long queries = q.getShape().get(2);
        long keys = k.getShape().get(2);
        long rowBytes = batch * heads * keys * 4L;
        long chunk = Math.max(1, Math.min(queries, MAX_SCORE_BYTES / Math.max(1, rowBytes)));
        if (chunk >= queries) {
            return Scope.run(() -> attend(q, k, v, scale, mask, upcast));
        }
        return Scope.run(() -> {
            NDList parts = new NDList();
            for (long start = 0; start < queries; start += chunk) {
                long end = Math.min(queries, start + chunk);
                NDIndex rows = new NDIndex(":, :, {}:{}", start, end);
                NDArray maskRows =
                        mask == null || mask.getShape().get(mask.getShape().dimension() - 2) == 1
                                ? mask
                                : mask.get(new NDIndex("..., {}:{}, :", start, end));
                parts.add(attend(q.get(rows), k, v, scale, maskRows, upcast));
            }
            return NDArrays.concat(parts, 2);
        });
    }

    private static NDArray attend(NDArray q, NDArray k, NDArray v, double scale, NDArray mask, boolean upcast) {
        DataType type = q.getDataType();
        boolean widen = upcast && type != DataType.FLOAT32;
        NDArray qs = widen ? q.toType(DataType.FLOAT32, false) : q;
        NDArray ks = widen ? k.toType(DataType.FLOAT32, false) : k;
        NDArray scores = qs.mul((float) scale).matMul(ks.transpose(0, 1, 3, 2));
        if (mask != null) {
            scores = scores.addi(mask);
        }
        NDArray probs = scores.softmax(-1);
        if (widen) {
            probs = probs.toType(type, false);
        }
        return probs.matMul(v);
    }
}
