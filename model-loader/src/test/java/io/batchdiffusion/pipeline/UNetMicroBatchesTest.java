package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.unet.UNet2DConditionModel;
import org.junit.jupiter.api.Test;

class UNetMicroBatchesTest {

    @Test
    void slicedForwardsGiveTheWholeBatchsPredictionBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel unet =
                    UNet2DConditionModel.load(Fixtures.tinySdA().resolve("unet"), m, DataType.FLOAT32);
            long channels = unet.config().inChannels();
            NDArray sample = m.randomNormal(new Shape(7, channels, 8, 8));
            NDArray t = m.create(new float[] {999, 800, 600, 400, 200, 50, 1});
            NDArray context = m.randomNormal(new Shape(7, 77, 32));

            NDArray whole = new UNetMicroBatches(unet, Long.MAX_VALUE).forward(sample, t, context);
            // 3 rows of 64 pixels a slice: slices of 3, 3 and 1 rows
            NDArray sliced = new UNetMicroBatches(unet, 3 * 64).forward(sample, t, context);
            NDArray rowByRow = new UNetMicroBatches(unet, 1).forward(sample, t, context);

            assertThat(sliced.getShape()).isEqualTo(whole.getShape());
            assertThat(sliced.contentEquals(whole)).isTrue();
            assertThat(rowByRow.contentEquals(whole)).isTrue();
        }
    }
}
