package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.weights.Weights;

/**
 * {@code torch.nn.Conv2d} with square kernel, stride and padding, and a bias.
 *
 * <p>Training: the CPU engine's input gradient of a convolution with a spatial kernel and an output
 * channel count that is not a multiple of {@link #SAFE_OUT_CHANNELS} comes back wrong (up to half its
 * size, sometimes NaN; weight gradients are right). When the input takes part in a gradient, such a
 * convolution runs with its output channels padded by zero filters and the padding sliced off, which
 * gives the same output and correct gradients. Inference never takes that path.
 *
 * <p>PyTorch sends a batch-1 convolution of a kernel up to 3x3 over at most {@link #NATIVE_KERNEL_MAX_VALUES}
 * input values to its own kernel instead of oneDNN's. That kernel rounds differently (an image decoded alone
 * would not match the same image decoded in a batch) and, on the way, asks for NNPACK, which on CPUs it does
 * not support logs a warning on every call. Such a convolution runs with a zero image added to the batch.
 *
 * <p>Inference with {@link #GEMM_MAX_PIXELS} output pixels or fewer (the UNet's 8x8 and 4x4 levels) runs as one
 * matrix product over the unfolded input instead: a few pixels against a large weight, where oneDNN spends most
 * of the call reordering the weight into its blocked layout (a 1280-channel 3x3 convolution over [2, 1280, 4, 4]:
 * 9.7 ms that way, 6.7 ms as a product; docs/performance.md).
 */
public final class Conv2d {

    static final int SAFE_OUT_CHANNELS = 16;
    static final long NATIVE_KERNEL_MAX_VALUES = 20480;
    /** 64 unless the system property {@code batchdiffusion.conv.gemm.max.pixels} says otherwise (0: never). */
    static final long GEMM_MAX_PIXELS = Long.getLong("batchdiffusion.conv.gemm.max.pixels", 64);

    private static final Shape NO_DILATION = new Shape(1, 1);

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private final long out;
    private final boolean paddedForGradients;
    private final int kernel;
    private final int strideValue;
    private final int paddingValue;

    public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding) {
        this.weight = w.get("weight", out, in, kernel, kernel);
        this.bias = w.get("bias", out);
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.out = out;
        this.kernel = kernel;
        this.strideValue = stride;
        this.paddingValue = padding;
        this.paddedForGradients = kernel > 1 && out % SAFE_OUT_CHANNELS != 0;
    }

    /** A kernel-{@code k} convolution with stride 1 and "same" padding. */
    public static Conv2d same(Weights w, long in, long out, int kernel) {
        return new Conv2d(w, in, out, kernel, 1, kernel / 2);
    }

    public NDArray forward(NDArray x) {
        if (!JniUtils.isGradMode() && outputPixels(x) <= GEMM_MAX_PIXELS) {
            return asMatrixProduct(x);
        }
        if (kernel <= 3 && x.getShape().get(0) == 1 && x.size() <= NATIVE_KERNEL_MAX_VALUES) {
            return Scope.run(() -> convolve(x.concat(x.zerosLike(), 0)).get(new NDIndex("0:1")));
        }
        return convolve(x);
    }

    NDArray convolve(NDArray x) {
        if (paddedForGradients && JniUtils.isGradMode()) {
            return forwardPadded(x);
        }
        return x.getNDArrayInternal()
                .convolution(x, weight, bias, stride, padding, NO_DILATION, 1)
                .singletonOrThrow();
    }

    private long outputPixels(NDArray x) {
        return outputSize(x.getShape().get(2)) * outputSize(x.getShape().get(3));
    }

    private long outputSize(long input) {
        return (input + 2L * paddingValue - kernel) / strideValue + 1;
    }

    /**
     * The convolution as weight [out, in*k*k] times the unfolded input [batch, in*k*k, pixels]: the k*k
     * shifted views of the padded input, stacked in the weight's (in, ky, kx) order.
     */
    NDArray asMatrixProduct(NDArray x) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long height = outputSize(shape.get(2));
        long width = outputSize(shape.get(3));
        NDArray result = Scope.run(() -> {
            NDArray padded =
                    paddingValue == 0 ? x : x.pad(new Shape(paddingValue, paddingValue, paddingValue, paddingValue), 0);
            NDArray columns;
            if (kernel == 1 && strideValue == 1) {
                columns = padded.reshape(batch, shape.get(1), height * width);
            } else {
                NDList shifted = new NDList();
                for (int ky = 0; ky < kernel; ky++) {
                    for (int kx = 0; kx < kernel; kx++) {
                        shifted.add(padded.get(new NDIndex(
                                ":, :, {}:{}:{}, {}:{}:{}",
                                ky,
                                ky + (height - 1) * strideValue + 1,
                                strideValue,
                                kx,
                                kx + (width - 1) * strideValue + 1,
                                strideValue)));
                    }
                }
                columns = NDArrays.stack(shifted, 2).reshape(batch, shape.get(1) * kernel * kernel, height * width);
            }
            // A view of the weight's memory ([out, in, k, k] is [out, in*k*k] row-major), moved to the
            // batch's manager: a product belongs to its receiver's manager, which must not be the weights'.
            NDArray weightMatrix = weight.reshape(out, -1);
            weightMatrix.attach(x.getManager());
            return weightMatrix.matMul(columns).addi(bias.reshape(out, 1));
        });
        return result.reshape(batch, out, height, width);
    }

    private NDArray forwardPadded(NDArray x) {
        return Scope.run(() -> {
            long extra = SAFE_OUT_CHANNELS - out % SAFE_OUT_CHANNELS;
            Shape w = weight.getShape();
            NDArray zeros = x.getManager().zeros(new Shape(extra, w.get(1), w.get(2), w.get(3)), x.getDataType());
            NDArray paddedWeight = zeros.concat(weight, 0);
            NDArray paddedBias =
                    x.getManager().zeros(new Shape(extra), x.getDataType()).concat(bias, 0);
            return x.getNDArrayInternal()
                    .convolution(x, paddedWeight, paddedBias, stride, padding, NO_DILATION, 1)
                    .singletonOrThrow()
                    .get(new NDIndex(":, {}:", extra));
        });
    }
}
