package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Tensors;
import org.junit.jupiter.api.Test;

class ScaledDotProductAttentionTest {

    private static final long TINY_CHUNKS = 3 * 40 * 4 * 7; // 7 query rows of 3 heads over 40 keys

    @Test
    void chunkedAttentionMatchesTheWholeScoreMatrix() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(3, 3, 40, 8));
            NDArray k = m.randomNormal(new Shape(3, 3, 40, 8));
            NDArray v = m.randomNormal(new Shape(3, 3, 40, 8));
            NDArray mask = m.randomNormal(new Shape(3, 1, 40, 40));
            NDArray whole = ScaledDotProductAttention.apply(q, k, v, 0.3, mask, false, Long.MAX_VALUE);
            NDArray chunked = ScaledDotProductAttention.apply(q, k, v, 0.3, mask, false, TINY_CHUNKS);
            Tensors.assertClose("attention in 7-row chunks vs whole", chunked, whole, 1e-6);
        }
    }

    @Test
    void anItemAttendsBitForBitTheSameAloneAndInsideABatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(4, 3, 40, 8));
            NDArray k = m.randomNormal(new Shape(4, 3, 40, 8));
            NDArray v = m.randomNormal(new Shape(4, 3, 40, 8));
            NDIndex third = new NDIndex("2:3");
            NDArray batch = ScaledDotProductAttention.apply(q, k, v, 0.3, null, false, TINY_CHUNKS);
            NDArray alone = ScaledDotProductAttention.apply(
                    q.get(third), k.get(third), v.get(third), 0.3, null, false, TINY_CHUNKS);
            assertThat(alone.toFloatArray()).containsExactly(batch.get(third).toFloatArray());
        }
    }
}
