package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.Weights;

/** {@code torch.nn.LayerNorm} over the last dimension. */
public final class LayerNorm {

    private final NDArray weight;
    private final NDArray bias;
    private final Shape normalizedShape;
    private final float eps;

    public LayerNorm(Weights w, long dim, double eps) {
        this.weight = w.get("weight", dim);
        this.bias = w.get("bias", dim);
        this.normalizedShape = new Shape(dim);
        this.eps = (float) eps;
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal()
                .layerNorm(x, normalizedShape, weight, bias, eps)
                .singletonOrThrow();
    }
}
