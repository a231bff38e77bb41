package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.weights.Weights;

/**
 * {@code torch.nn.GroupNorm} with affine parameters. DJL has no group norm; batch norm in training mode
 * over the input viewed as {@code [1, N*G, rest]} computes exactly the per-(sample, group) statistics,
 * in one native call, and stays differentiable.
 */
public final class GroupNorm {

    private final int groups;
    private final float eps;
    private final NDArray weight;
    private final NDArray bias;
    private final long channels;

    public GroupNorm(Weights w, int groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(
                    w.path("weight") + ": " + channels + " channels do not split into " + groups + " groups");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = (float) eps;
        this.weight = w.get("weight", channels);
        this.bias = w.get("bias", channels);
    }

    /** Normalises {@code x} of shape [N, C, ...] (any trailing dims). */
    public NDArray forward(NDArray x) {
        return Scope.run(() -> {
            Shape shape = x.getShape();
            long n = shape.get(0);
            NDArray normalized = normalizeGroups(x, n * groups).reshape(n, channels, -1);
            if (Scope.inference()) { // scale and shift in place: two arrays of the input's size less
                return normalized
                        .muli(weight.reshape(1, channels, 1))
                        .addi(bias.reshape(1, channels, 1))
                        .reshape(shape);
            }
            NDArray scaled = normalized.mul(weight.reshape(1, channels, 1));
            return scaled.add(bias.reshape(1, channels, 1)).reshape(shape);
        });
    }

    private NDArray normalizeGroups(NDArray x, long rows) {
        NDManager m = x.getManager();
        NDArray grouped = x.reshape(1, rows, -1);
        NDArray ones = m.ones(new Shape(rows), x.getDataType());
        NDArray zeros = m.zeros(new Shape(rows), x.getDataType());
        NDArray runningMean = m.zeros(new Shape(rows), x.getDataType());
        NDArray runningVar = m.ones(new Shape(rows), x.getDataType());
        return grouped.getNDArrayInternal()
                .batchNorm(grouped, runningMean, runningVar, ones, zeros, -1, 0.9f, eps, true)
                .singletonOrThrow();
    }
}
