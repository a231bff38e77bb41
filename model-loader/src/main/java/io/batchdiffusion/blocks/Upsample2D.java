package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** diffusers' {@code Upsample2D} with {@code use_conv=True}: nearest-neighbour resize, then a 3x3 conv. */
public final class Upsample2D {

    /** DJL's interpolation mode code for nearest neighbour ({@code F.interpolate(mode="nearest")}). */
    private static final int NEAREST = 0;

    private final Conv2d conv;

    public Upsample2D(Weights w, long channels, long out) {
        this.conv = Conv2d.same(w.pp("conv"), channels, out, 3);
    }

    /** Doubles height and width. */
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        return forward(x, new long[] {s.get(2) * 2, s.get(3) * 2});
    }

    /**
     * Resizes to {@code size} ([height, width]); the UNet passes its skip connection's size when the
     * input is not a multiple of the overall downsampling factor.
     */
    public NDArray forward(NDArray x, long[] size) {
        return Scope.run(() -> {
            NDArray resized = x.getNDArrayInternal().interpolation(size, NEAREST, false);
            return conv.forward(resized);
        });
    }
}
