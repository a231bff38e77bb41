package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code Downsample2D} with {@code use_conv=True}: a stride-2 3x3 convolution. With
 * {@code padding=0} (the VAE encoder) the input is first padded by one on the right and bottom only, so
 * odd and even sizes halve the way the original LDM code did.
 */
public final class Downsample2D {

    private static final Shape RIGHT_BOTTOM = new Shape(0, 1, 0, 1);

    private final Conv2d conv;
    private final boolean padRightBottom;

    public Downsample2D(Weights w, long channels, long out, int padding) {
        this.conv = new Conv2d(w.pp("conv"), channels, out, 3, 2, padding);
        this.padRightBottom = padding == 0;
    }

    public NDArray forward(NDArray x) {
        if (!padRightBottom) {
            return conv.forward(x);
        }
        return Scope.run(() -> conv.forward(x.pad(RIGHT_BOTTOM, 0)));
    }
}
