package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;

/**
 * diffusers' {@code Timesteps} ({@code get_timestep_embedding}): sinusoidal features of per-sample
 * float timesteps, {@code [sin | cos]} or {@code [cos | sin]} with {@code flip_sin_to_cos}. Computed in
 * float32 in the same order of operations as upstream so the frequencies round identically.
 */
final class Timesteps {

    private static final double MAX_PERIOD = 10000;

    private final int dim;
    private final boolean flipSinToCos;
    private final double downscaleFreqShift;

    Timesteps(int dim, boolean flipSinToCos, double downscaleFreqShift) {
        this.dim = dim;
        this.flipSinToCos = flipSinToCos;
        this.downscaleFreqShift = downscaleFreqShift;
    }

    /** @param timesteps [B] (any numeric type); returns float32 [B, dim] */
    NDArray forward(NDArray timesteps) {
        return Scope.run(() -> {
            int half = dim / 2;
            NDArray positions = timesteps.getManager().arange(0, half, 1, DataType.FLOAT32);
            NDArray exponent = Scalars.divi(
                    Scalars.muli(positions, (float) -Math.log(MAX_PERIOD)), (float) (half - downscaleFreqShift));
            NDArray t = timesteps.toType(DataType.FLOAT32, false).reshape(-1, 1);
            NDArray args = t.mul(exponent.exp().reshape(1, half));
            NDArray sin = args.sin();
            NDArray cos = args.cos();
            NDArray emb =
                    flipSinToCos ? NDArrays.concat(new NDList(cos, sin), 1) : NDArrays.concat(new NDList(sin, cos), 1);
            if (dim % 2 == 1) {
                emb = emb.pad(new Shape(0, 1), 0);
            }
            return emb;
        });
    }
}
