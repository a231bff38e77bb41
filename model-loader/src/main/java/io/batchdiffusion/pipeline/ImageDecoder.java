package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
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

    /**
     * Decodes image by image: a 512x512 image's decoder activations are 134 MB a tensor, so a batch
     * decoded at once would multiply the peak memory by its size for no gain in speed. It also makes an
     * image's bytes independent of its batch (retries, OOM halving and batch size 1 decode alone).
     */
    private static NDArray decodeWith(AutoencoderKL vae, NDArray latents) {
        NDArray scaled =
                latents.toType(vae.dtype(), false).div((float) vae.config().scalingFactor());
        long n = scaled.getShape().get(0);
        if (n == 1) {
            return vae.decode(scaled);
        }
        NDList images = new NDList();
        for (long i = 0; i < n; i++) {
            images.add(vae.decode(scaled.get(new NDIndex("{}:{}", i, i + 1))));
        }
        return NDArrays.concat(images, 0);
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
