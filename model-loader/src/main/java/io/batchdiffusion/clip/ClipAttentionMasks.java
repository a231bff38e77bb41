package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Scalars;

/**
 * The additive masks of transformers' {@code _create_4d_causal_attention_mask} and
 * {@code _prepare_4d_attention_mask}: 0 where attention is allowed, the dtype's most negative finite
 * value where it is not. Where both masks apply the sum overflows to -inf, as it does upstream.
 */
final class ClipAttentionMasks {

    private ClipAttentionMasks() {}

    /** [1, 1, tokens, tokens]: position i sees positions 0..i. */
    static NDArray causal(NDManager manager, int tokens, DataType type) {
        float min = minValue(type);
        float[] values = new float[tokens * tokens];
        for (int i = 0; i < tokens; i++) {
            for (int j = i + 1; j < tokens; j++) {
                values[i * tokens + j] = min;
            }
        }
        // a copy in engine memory: an array made from Java values borrows memory freed with the array
        try (NDArray borrowed = manager.create(values, new Shape(1, 1, tokens, tokens))) {
            return type == DataType.FLOAT32 ? borrowed.duplicate() : borrowed.toType(type, false);
        }
    }

    /** [batch, 1, 1, tokens] from a 0/1 {@code attention_mask} [batch, tokens]. */
    static NDArray padding(NDArray attentionMask, DataType type) {
        long batch = attentionMask.getShape().get(0);
        long tokens = attentionMask.getShape().get(1);
        NDArray inverted = attentionMask.toType(type, false).neg().addi(1f);
        return Scalars.muli(inverted, minValue(type)).reshape(batch, 1, 1, tokens);
    }

    /** {@code torch.finfo(dtype).min}. */
    static float minValue(DataType type) {
        return switch (type) {
            case FLOAT16 -> -65504f;
            case BFLOAT16 -> -3.3895314e38f;
            default -> -Float.MAX_VALUE;
        };
    }
}
