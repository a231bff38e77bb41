package io.batchdiffusion.blocks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.WeightStore;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resampling semantics, with a one-tap 3x3 kernel so the convolution only picks input pixels. */
class SamplingBlocksTest {

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void upsamplingRepeatsNearestPixelsToDoubleOrToAGivenSize() {
        Upsample2D up = new Upsample2D(oneTapConv(1, 1), 1, 1); // identity kernel
        NDArray x = manager.arange(6f).reshape(1, 1, 3, 2);
        assertThat(up.forward(x).toFloatArray())
                .containsExactly(0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5);
        // F.interpolate(size=(5, 3), mode="nearest") takes row floor(i*3/5), column floor(j*2/3)
        assertThat(up.forward(x, new long[] {5, 3}).toFloatArray())
                .containsExactly(0, 0, 1, 0, 0, 1, 2, 2, 3, 2, 2, 3, 4, 4, 5);
    }

    @Test
    void downsamplingWithoutPaddingPadsOnlyRightAndBottom() {
        Downsample2D down = new Downsample2D(oneTapConv(2, 2), 1, 1, 0); // picks padded[2i+2, 2j+2]
        NDArray x = manager.arange(1f, 17f).reshape(1, 1, 4, 4);
        NDArray y = down.forward(x);
        assertThat(y.getShape()).isEqualTo(new Shape(1, 1, 2, 2));
        assertThat(y.toFloatArray()).containsExactly(11, 0, 0, 0);
    }

    @Test
    void downsamplingWithPaddingOneHalvesWithSymmetricPadding() {
        Downsample2D down = new Downsample2D(oneTapConv(1, 1), 1, 1, 1); // picks x[2i, 2j]
        NDArray x = manager.arange(1f, 17f).reshape(1, 1, 4, 4);
        assertThat(down.forward(x).toFloatArray()).containsExactly(1, 3, 9, 11);
    }

    /** A {@code conv} of one channel whose 3x3 kernel is 1 at (row, col) and 0 elsewhere, no bias. */
    private Weights oneTapConv(int row, int col) {
        float[] kernel = new float[9];
        kernel[row * 3 + col] = 1;
        SafeTensorsWriter writer = new SafeTensorsWriter();
        writer.add("conv.weight", manager.create(kernel, new Shape(1, 1, 3, 3)));
        writer.add("conv.bias", manager.zeros(new Shape(1)));
        Path file = dir.resolve("conv" + row + col + ".safetensors");
        writer.write(file);
        return Weights.of(WeightStore.ofFile(file), manager, DataType.FLOAT32);
    }
}
