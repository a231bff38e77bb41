package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.Weights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Conv2dMatrixProductTest {

    @ParameterizedTest(name = "{0}->{1} kernel {2} stride {3} padding {4} over {5}x{6}")
    @CsvSource({
        "8, 16, 3, 1, 1, 4, 4",
        "16, 8, 3, 1, 1, 8, 8",
        "8, 16, 3, 2, 1, 8, 8",
        "8, 8, 3, 2, 1, 15, 9",
        "16, 8, 1, 1, 0, 8, 8",
        "12, 20, 3, 1, 1, 5, 7",
        "4, 6, 3, 1, 0, 6, 6",
    })
    void smallImagesConvolveAsAMatrixProductWithTheConvolutionsResult(
            int in, int out, int kernel, int stride, int padding, int height, int width) {
        try (NDManager m = NDManager.newBaseManager()) {
            Conv2d conv = new Conv2d(
                    Weights.initialized(new RandomInit(in * 31 + out), m, DataType.FLOAT32),
                    in,
                    out,
                    kernel,
                    stride,
                    padding);
            NDArray x = m.randomNormal(new Shape(3, in, height, width));

            NDArray product = conv.forward(x);
            NDArray convolution = conv.convolve(x);

            assertThat(product.getShape()).isEqualTo(convolution.getShape());
            assertThat(product.sub(convolution).abs().max().getFloat())
                    .as("max |product - convolution|")
                    .isLessThan(1e-5f);
            assertThat(product.contentEquals(convolution))
                    .as("forward took the matrix product, not the convolution")
                    .isFalse();
        }
    }

    @ParameterizedTest(name = "{0}x{0}")
    @CsvSource({"9", "16"})
    void largerImagesKeepTheConvolution(int size) {
        try (NDManager m = NDManager.newBaseManager()) {
            Conv2d conv = Conv2d.same(Weights.initialized(new RandomInit(7), m, DataType.FLOAT32), 8, 8, 3);
            NDArray x = m.randomNormal(new Shape(2, 8, size, size));

            assertThat(conv.forward(x).contentEquals(conv.convolve(x))).isTrue();
        }
    }
}
