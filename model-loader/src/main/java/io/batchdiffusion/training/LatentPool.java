package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.vae.LatentDistribution;
import java.util.SplittableRandom;

/**
 * The first {@code size} training scenes encoded once by the trained autoencoder: each scene's latent
 * mean and standard deviation, from which the denoiser's stage samples fresh latents every step, and the
 * {@code scaling_factor} that gives those latents unit variance (Stable Diffusion's 0.18215, measured).
 */
final class LatentPool {

    private static final int ENCODE_BATCH = 256;

    private final int size;
    private final int latentValues;
    private final float[] means;
    private final float[] stds;
    private final long[] shape;
    private final double scalingFactor;

    private LatentPool(int size, long[] shape, float[] means, float[] stds, double scalingFactor) {
        this.size = size;
        this.shape = shape;
        this.latentValues = means.length / size;
        this.means = means;
        this.stds = stds;
        this.scalingFactor = scalingFactor;
    }

    static LatentPool encode(AutoencoderKL vae, ShapesDataset data, int size, long seed, NDManager manager) {
        float[] means = null;
        float[] stds = null;
        long[] shape = null;
        for (int start = 0; start < size; start += ENCODE_BATCH) {
            int count = Math.min(ENCODE_BATCH, size - start);
            try (NDManager batch = manager.newSubManager()) {
                NDArray images = Batches.images(data.scenes(start, count), batch);
                LatentDistribution latents = vae.encode(images);
                float[] mean = latents.mean().toFloatArray();
                float[] std = latents.std().toFloatArray();
                if (means == null) {
                    shape = latents.mean().getShape().slice(1).getShape();
                    means = new float[size * mean.length / count];
                    stds = new float[means.length];
                }
                System.arraycopy(mean, 0, means, start * (mean.length / count), mean.length);
                System.arraycopy(std, 0, stds, start * (std.length / count), std.length);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < means.length; i++) {
            double z = means[i] + stds[i] * random.nextGaussian();
            sum += z;
            squares += z * z;
        }
        double variance = squares / means.length - (sum / means.length) * (sum / means.length);
        return new LatentPool(size, shape, means, stds, 1 / Math.sqrt(variance));
    }

    int size() {
        return size;
    }

    /** The per-scene latent shape, [channels, h, w]. */
    long[] shape() {
        return shape.clone();
    }

    int latentValues() {
        return latentValues;
    }

    double scalingFactor() {
        return scalingFactor;
    }

    /** Writes a scaled latent of scene {@code index} ({@code (mean + std * noise) * scaling_factor}) at {@code offset}. */
    void sample(int index, SplittableRandom random, float[] out, int offset) {
        int base = index * latentValues;
        for (int i = 0; i < latentValues; i++) {
            out[offset + i] = (float) ((means[base + i] + stds[base + i] * random.nextGaussian()) * scalingFactor);
        }
    }

    /** The training scene a pool entry was encoded from. */
    static ShapeScene scene(ShapesDataset data, int index) {
        return data.scene(index);
    }
}
