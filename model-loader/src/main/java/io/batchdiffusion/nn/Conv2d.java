package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
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
 */
public final class Conv2d {

    static final int SAFE_OUT_CHANNELS = 16;
    static final long NATIVE_KERNEL_MAX_VALUES = 20480;
    private static final Shape NO_DILATION = new Shape(1, 1);

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private final long out;
    private final boolean paddedForGradients;
    private final int kernel;

    public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding) {
        this.weight = w.get("weight", out, in, kernel, kernel);
        this.bias = w.get("bias", out);
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.out = out;
        this.kernel = kernel;
        this.paddedForGradients = kernel > 1 && out % SAFE_OUT_CHANNELS != 0;
    }

    /** A kernel-{@code k} convolution with stride 1 and "same" padding. */
    public static Conv2d same(Weights w, long in, long out, int kernel) {
        return new Conv2d(w, in, out, kernel, 1, kernel / 2);
    }

    public NDArray forward(NDArray x) {
        if (kernel <= 3 && x.getShape().get(0) == 1 && x.size() <= NATIVE_KERNEL_MAX_VALUES) {
            return Scope.run(() -> convolve(x.concat(x.zerosLike(), 0)).get(new NDIndex("0:1")));
        }
        return convolve(x);
    }

    private NDArray convolve(NDArray x) {
        if (paddedForGradients && JniUtils.isGradMode()) {
            return forwardPadded(x);
        }
        return x.getNDArrayInternal()
                .convolution(x, weight, bias, stride, padding, NO_DILATION, 1)
                .singletonOrThrow();
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
