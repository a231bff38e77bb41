package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.Weights;

/** {@code torch.nn.Conv2d} with square kernel, stride and padding, and a bias. */
public final class Conv2d {

    private static final Shape NO_DILATION = new Shape(1, 1);

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;

    public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding) {
        this.weight = w.get("weight", out, in, kernel, kernel);
        this.bias = w.get("bias", out);
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** A kernel-{@code k} convolution with stride 1 and "same" padding. */
    public static Conv2d same(Weights w, long in, long out, int kernel) {
        return new Conv2d(w, in, out, kernel, 1, kernel / 2);
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal()
                .convolution(x, weight, bias, stride, padding, NO_DILATION, 1)
                .singletonOrThrow();
    }
}
