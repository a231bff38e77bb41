package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' {@code DiagonalGaussianDistribution} over unscaled latents (multiply by
 * {@code scaling_factor} for the denoiser's latents).
 *
 * @param logvar clamped to [-30, 20]
 * @param std {@code exp(0.5 * logvar)}
 */
public record LatentDistribution(NDArray mean, NDArray logvar, NDArray std) implements AutoCloseable {

    /** {@code mean + std * noise}, for standard-normal {@code noise} of the latents' shape. */
    public NDArray sample(NDArray noise) {
        return noise.mul(std).addi(mean);
    }

    /** The distribution's mode (its mean), as {@code latent_dist.mode()}. */
    public NDArray mode() {
        return mean;
    }

    @Override
    public void close() {
        mean.close();
        logvar.close();
        std.close();
    }
}
