package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.vae.AutoencoderKL;
import java.util.function.Supplier;

/**
 * Latents to 8-bit RGB the way diffusers' image processor does it: decode {@code latents /
 * scaling_factor} with the VAE, map [-1, 1] to [0, 1], clamp, scale by 255 and round. An image with any
 * non-finite value is decoded once more with a float32 VAE (half-precision VAEs overflow); if it is
 * still not finite it is reported as such.
 */
final class ImageDecoder {

    private final AutoencoderKL vae;
    private final Supplier<AutoencoderKL> float32Vae;

    /** @param float32Vae a full-precision VAE for re-decoding, built only if ever needed */
    ImageDecoder(AutoencoderKL vae, Supplier<AutoencoderKL> float32Vae) {
        this.vae = vae;
        this.float32Vae = float32Vae;
    }

    /** Decoded images, {@code [batch, height, width, 3]} floats in [0, 1], and which rows are finite. */
    record Decoded(NDArray images, boolean[] finite) {}

    Decoded decode(NDArray latents) {
        NDArray pixels = decodeWith(vae, latents);
        boolean[] finite = finiteRows(pixels);
        boolean allFinite = true;
        for (boolean f : finite) {
            allFinite &= f;
        }
        if (!allFinite && vae.dtype() != DataType.FLOAT32) {
            pixels = decodeWith(float32Vae.get(), latents);
            finite = finiteRows(pixels);
        }
        NDArray images = pixels.toType(DataType.FLOAT32, false)
                .div(2)
                .add(0.5f)
                .clip(0f, 1f)
                .transpose(0, 2, 3, 1);
        return new Decoded(images, finite);
    }

    private static NDArray decodeWith(AutoencoderKL vae, NDArray latents) {
        NDArray scaled =
                latents.toType(vae.dtype(), false).div((float) vae.config().scalingFactor());
        if (scaled.getShape().get(0) == 1) {
            // As in UNet2DConditionModel: convolutions over one sample take other CPU kernels (other
            // rounding) than over several, so an image alone would differ from the same image in a batch.
            return Scope.run(() -> vae.decode(scaled.repeat(0, 2)).get(new NDIndex("0:1")));
        }
        return vae.decode(scaled);
    }

    private static boolean[] finiteRows(NDArray pixels) {
        long rows = pixels.getShape().get(0);
        boolean[] finite = new boolean[(int) rows];
        boolean[] anyBad = pixels.isNaN()
                .logicalOr(pixels.isInfinite())
                .reshape(rows, -1)
                .toType(DataType.INT32, false)
                .sum(new int[] {1})
                .gt(0)
                .toBooleanArray();
        for (int i = 0; i < finite.length; i++) {
            finite[i] = !anyBad[i];
        }
        return finite;
    }

    /** Rounds [0, 1] floats to bytes as {@code (x * 255).round().astype(uint8)} does. */
    static byte[] toBytes(NDArray image) {
        NDArray scaled = image.mul(255f).round().clip(0f, 255f).toType(DataType.UINT8, false);
        return scaled.toByteArray();
    }
}
