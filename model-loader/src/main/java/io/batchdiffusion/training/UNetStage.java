package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.datasets.shapes.Captions;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.unet.UNet2DConditionModel;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The denoiser's objective (DDPM's epsilon prediction, as Stable Diffusion trains): a pool latent is
 * noised to a uniformly drawn timestep and the UNet, conditioned on the frozen text encoder's last hidden
 * state of a freshly drawn caption of that scene, predicts the noise. A tenth of the captions are empty,
 * the unconditional prediction classifier-free guidance needs. Timesteps are weighted min(SNR, 5) / SNR
 * ("Min-SNR", Hang et al. 2023), which spends less of the small budget on the nearly noise-free steps.
 */
final class UNetStage implements Stage {

    static final double CAPTION_DROPOUT = 0.1;
    static final double MIN_SNR_GAMMA = 5;

    private final UNet2DConditionModel unet;
    private final Map<String, NDArray> parameters;
    private final ClipTextModel textEncoder;
    private final ClipTokenizer tokenizer;
    private final LatentPool pool;
    private final ShapesDataset data;
    private final NoiseSchedule schedule = new NoiseSchedule();
    private final long seed;
    private final StagePlan plan;

    UNetStage(
            UNet2DConditionModel unet,
            Map<String, NDArray> parameters,
            ClipTextModel textEncoder,
            ClipTokenizer tokenizer,
            LatentPool pool,
            ShapesDataset data,
            long seed,
            StagePlan plan) {
        this.unet = unet;
        this.parameters = parameters;
        this.textEncoder = textEncoder;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.data = data;
        this.seed = seed;
        this.plan = plan;
    }

    @Override
    public String name() {
        return "unet";
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
        int n = plan.batchSize();
        int values = pool.latentValues();
        int tokens = tokenizer.modelMaxLength();
        float[] noisy = new float[n * values];
        float[] noise = new float[n * values];
        long[] timesteps = new long[n];
        float[] weights = new float[n];
        long[] ids = new long[n * tokens];
        float[] clean = new float[values];
        for (int b = 0; b < n; b++) {
            int index = random.nextInt(pool.size());
            ShapeScene scene = data.scene(index);
            String caption = random.nextDouble() < CAPTION_DROPOUT
                    ? ""
                    : Captions.describe(scene.background(), scene.shapes(), random, false);
            int[] row = tokenizer.encode(caption).inputIds();
            for (int j = 0; j < tokens; j++) {
                ids[b * tokens + j] = row[j];
            }
            pool.sample(index, random, clean, 0);
            int t = random.nextInt(NoiseSchedule.TRAIN_TIMESTEPS);
            double signal = Math.sqrt(schedule.alphaCumprod(t));
            double spread = Math.sqrt(1 - schedule.alphaCumprod(t));
            for (int i = 0; i < values; i++) {
                float e = (float) random.nextGaussian();
                noise[b * values + i] = e;
                noisy[b * values + i] = (float) (signal * clean[i] + spread * e);
            }
            timesteps[b] = t;
            double snr = schedule.snr(t);
            weights[b] = (float) (Math.min(snr, MIN_SNR_GAMMA) / snr);
        }
        Shape latentShape = new Shape(n).addAll(new Shape(pool.shape()));
        NDArray inputIds = Batches.owned(batch.create(ids, new Shape(n, tokens)));
        NDArray context = textEncoder.promptEmbeddings(inputIds, null, 0);
        NDArray sample = Batches.owned(batch.create(noisy, latentShape));
        NDArray target = Batches.owned(batch.create(noise, latentShape));
        NDArray t = Batches.owned(batch.create(timesteps));
        NDArray w = Batches.owned(batch.create(weights));
        return Scope.run(() -> {
            NDArray predicted = unet.forward(sample, t, context);
            NDArray perSample = predicted.sub(target).square().reshape(n, -1).mean(new int[] {1});
            return perSample.mul(w).mean();
        });
    }
}
