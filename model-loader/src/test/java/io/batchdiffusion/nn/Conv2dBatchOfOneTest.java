package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.Weights;
import org.junit.jupiter.api.Test;

class Conv2dBatchOfOneTest {

    @Test
    void aSmallImageConvolvedAloneEqualsTheSameImageInABatchBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            int mismatched = 0;
            // 16x32x32 = 16,384 values: PyTorch would pick its native kernel for the image alone
            for (int[] c : new int[][] {{16, 16, 32}, {32, 32, 16}, {64, 64, 8}, {4, 32, 8}}) {
                Conv2d conv = Conv2d.same(
                        Weights.initialized(new RandomInit(c[0] * 100 + c[1]), m, DataType.FLOAT32), c[0], c[1], 3);
                NDArray batch = m.randomNormal(new Shape(3, c[0], c[2], c[2]));
                NDArray batched = conv.forward(batch);
                for (int i = 0; i < 3; i++) {
                    NDArray alone = conv.forward(batch.get(new NDIndex("{}:{}", i, i + 1)));
                    boolean same = alone.contentEquals(batched.get(new NDIndex("{}:{}", i, i + 1)));
                    mismatched += same ? 0 : 1;
                }
            }
            assertThat(mismatched)
                    .as("images whose convolution alone differs from the batch's")
                    .isZero();
        }
    }
}
