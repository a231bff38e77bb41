package io.batchdiffusion.nn;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/**
 * {@code softmax(q k^T * scale + mask) v} over [batch, heads, tokens, headDim] arrays.
 *
 * <p>The score matrix of a 512x512 image's self-attention (4096 tokens) is [batch, heads, 4096, 4096],
 * 1 GB for a CFG pair. When one item's scores exceed {@link #CHUNK_SCORE_BYTES}, each batch item is
 * attended on its own, a fixed number of query rows at a time. The split depends on the heads and key
 * count only, never on the batch: an item's arithmetic is the same alone and in any batch.
 *
 * <p>Inference without a mask (the UNet's and the VAE's attention, CLIP's image tower) runs PyTorch's own fused
 * operator instead ({@link FusedAttention}); masked attention (CLIP's text encoder) and anything that records
 * gradients take the products below.
 *
 * <p>The chunk size is measured (docs/performance.md): with glibc keeping freed blocks, 64 MB chunks
 * run attention at 4096 tokens in 237 ms against 363 ms for 8 MB (the products are too thin to run
 * near the GEMM rate), and larger chunks gain nothing more.
 */
public final class ScaledDotProductAttention {

    /** 64 MB unless the system property {@code batchdiffusion.attention.chunk.mb} says otherwise. */
    static final long CHUNK_SCORE_BYTES = Long.getLong("batchdiffusion.attention.chunk.mb", 64) << 20;

    private ScaledDotProductAttention() {}

    /**
     * @param mask additive mask broadcastable to [batch, heads, queries, keys], or {@code null}
     * @param upcast compute scores and softmax in fp32 when the inputs are half precision
     */
    public static NDArray apply(NDArray q, NDArray k, NDArray v, double scale, NDArray mask, boolean upcast) {
        if (mask == null && Scope.inference() && (q.getDataType() == DataType.FLOAT32 || !upcast)) {
            Optional<FusedAttention> fused = FusedAttention.get();
            if (fused.isPresent()) {
                try {
                    return fused.get().apply(q, k, v, scale);
                } catch (EngineException e) {
                    FusedAttention.disable(e); // e.g. a device or build it was never run on here
                }
            }
        }
        return apply(q, k, v, scale, mask, upcast, CHUNK_SCORE_BYTES);
    }

    static NDArray apply(
            NDArray q, NDArray k, NDArray v, double scale, NDArray mask, boolean upcast, long chunkScoreBytes) {
        long batch = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long queries = q.getShape().get(2);
        long keys = k.getShape().get(2);
        long rows = Math.max(1, chunkScoreBytes / (heads * keys * Float.BYTES));
        if (rows >= queries) {
            return Scope.run(() -> attend(q, k, v, scale, mask, upcast));
        }
        return Scope.run(() -> {
            NDArray scaled = Scalars.mul(q, (float) scale);
            NDList items = new NDList();
            for (long b = 0; b < batch; b++) {
                NDIndex item = new NDIndex("{}:{}", b, b + 1);
                NDArray itemMask = mask == null || mask.getShape().get(0) == 1 ? mask : mask.get(item);
                items.add(attendInChunks(scaled.get(item), k.get(item), v.get(item), itemMask, rows, upcast));
            }
            return NDArrays.concat(items, 0);
        });
    }

    /** One item's attention, {@code rows} queries at a time; {@code q} is already scaled. */
    private static NDArray attendInChunks(NDArray q, NDArray k, NDArray v, NDArray mask, long rows, boolean upcast) {
        long queries = q.getShape().get(2);
        NDArray keysT = k.transpose(0, 1, 3, 2);
        NDList parts = new NDList();
        for (long start = 0; start < queries; start += rows) {
            long end = Math.min(queries, start + rows);
            NDArray maskRows =
                    mask == null || mask.getShape().get(mask.getShape().dimension() - 2) == 1
                            ? mask
                            : mask.get(new NDIndex("..., {}:{}, :", start, end));
            NDIndex chunk = new NDIndex(":, :, {}:{}", start, end);
            parts.add(Scope.run(() -> product(q.get(chunk), keysT, v, 1, maskRows, upcast)));
        }
        return NDArrays.concat(parts, 2);
    }

    private static NDArray attend(NDArray q, NDArray k, NDArray v, double scale, NDArray mask, boolean upcast) {
        return product(q, k.transpose(0, 1, 3, 2), v, scale, mask, upcast);
    }

    private static NDArray product(NDArray q, NDArray keysT, NDArray v, double scale, NDArray mask, boolean upcast) {
        DataType type = q.getDataType();
        boolean widen = upcast && type != DataType.FLOAT32;
        NDArray qs = widen ? q.toType(DataType.FLOAT32, false) : q;
        NDArray ks = widen ? keysT.toType(DataType.FLOAT32, false) : keysT;
        NDArray scores = (scale == 1 ? qs : Scalars.mul(qs, (float) scale)).matMul(ks);
        if (mask != null) {
            scores = scores.addi(mask);
        }
        NDArray probs = scores.softmax(-1);
        NDArray out = (widen ? probs.toType(type, false) : probs).matMul(v);
        // Freed only after the small result exists, so that the result is not carved out of the scores'
        // freed block: glibc's heap (which keeps freed memory, see NativeTuning) fragments less (change 9 in
        // docs/performance.md).
        scores.close();
        probs.close();
        return out;
    }
}
