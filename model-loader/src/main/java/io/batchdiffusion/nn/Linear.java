package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.Weights;

/**
 * {@code torch.nn.Linear}: {@code weight} [out, in] and an optional {@code bias} [out].
 *
 * <p>Products of fewer than {@link #MIN_ROWS} rows are padded with zero rows: the CPU BLAS picks other
 * kernels for such small products, whose rounding differs, so without padding a row's result would
 * depend on how many rows share the call, and an image would not render the same alone and in a batch
 * (the timestep embedding is a product with one row per image).
 */
public final class Linear {

    static final int MIN_ROWS = 16;

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
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        long rows = shape.size() / Math.max(1, in);
        if (rows >= MIN_ROWS) {
            return product(x);
        }
        return Scope.run(() -> {
            NDArray padded = x.reshape(rows, in)
                    .concat(x.getManager().zeros(new Shape(MIN_ROWS - rows, in), x.getDataType()), 0);
            long[] outShape = shape.getShape().clone(); // getShape() is the Shape's own array
            outShape[outShape.length - 1] = outFeatures();
            return product(padded).get(new NDIndex("0:{}", rows)).reshape(new Shape(outShape));
        });
    }

    private NDArray product(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
