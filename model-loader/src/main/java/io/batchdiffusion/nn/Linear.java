package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.weights.Weights;

/** {@code torch.nn.Linear}: {@code weight} [out, in] and an optional {@code bias} [out]. */
public final class Linear {

    private final NDArray weight;
    private final NDArray bias;

    public Linear(Weights w, long in, long out, boolean bias) {
        this.weight = w.get("weight", out, in);
        this.bias = bias ? w.get("bias", out) : null;
    }

    public Linear(Weights w, long in, long out) {
        this(w, in, out, true);
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
