package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.vae.LatentDistribution;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The autoencoder's objective: reconstruct the image from a latent sampled from the encoder's Gaussian
 * (mean absolute error in pixel space, [-1, 1]), plus a small KL divergence to the standard normal that
 * keeps the latent space smooth enough for the denoiser.
 */
final class VaeStage implements Stage {

    static final float KL_WEIGHT = 1e-4f;

    private final AutoencoderKL vae;
    private final Map<String, NDArray> parameters;
    private final ShapesDataset data;
    private final long seed;
    private final StagePlan plan;

    VaeStage(AutoencoderKL vae, Map<String, NDArray> parameters, ShapesDataset data, long seed, StagePlan plan) {
        this.vae = vae;
        this.parameters = parameters;
        this.data = data;
        this.seed = seed;
        this.plan = plan;
    }

    @Override
    public String name() {
        return "vae";
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public StagePlan plan() {
        return plan;
    }

    @Override
    public NDArray loss(int step, NDManager batch) {
        SplittableRandom random = Batches.random(seed, name(), step);
        NDArray images = Batches.images(Batches.scenes(data, random, plan.batchSize()), batch);
        return Scope.run(() -> {
            LatentDistribution latents = vae.encode(images);
            NDArray noise = Batches.gaussian(random, latents.mean().getShape(), batch);
            NDArray reconstruction = vae.decode(latents.sample(noise));
            NDArray error = reconstruction.sub(images).abs().mean();
            NDArray kl = Scalars.mul(
                    latents.mean()
                            .square()
                            .add(latents.logvar().exp())
                            .sub(1f)
                            .sub(latents.logvar())
                            .mean(),
                    0.5f);
            return error.add(Scalars.mul(kl, KL_WEIGHT));
        });
    }
}
