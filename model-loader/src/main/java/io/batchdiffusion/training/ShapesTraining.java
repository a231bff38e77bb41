package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipImageProcessor;
import io.batchdiffusion.clip.ClipImageProcessorConfig;
import io.batchdiffusion.clip.ClipModel;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.TensorInitializer;
import io.batchdiffusion.weights.Weights;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Trains the shapes model from scratch in three stages, each continued from its checkpoint in the work
 * folder when one exists: the CLIP (which becomes the scorer and, frozen, the text encoder), the
 * autoencoder, then the denoiser on the autoencoder's latents of the training scenes. Writes the model
 * folder at the end.
 */
final class ShapesTraining {

    private final TrainingOptions options;
    private final PrintStream out;
    private final ShapesDataset data;

    ShapesTraining(TrainingOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.data = ShapesDataset.train(options.seed());
    }

    void run() throws Exception {
        long started = System.nanoTime();
        ShapesVocabulary vocabulary =
                ShapesVocabulary.build(options.referenceTokenizer().resolve("merges.txt"), words());
        ClipTokenizer tokenizer = tokenizer(vocabulary);
        ShapesModelConfigs configs = ShapesModelConfigs.of(vocabulary, options.unetWidth());
        out.printf(
                "shapes model: vocabulary %d tokens, seed %d, work folder %s; %d cores, load average %s%n",
                vocabulary.size(),
                options.seed(),
                options.work(),
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        try (NDManager manager = NDManager.newBaseManager()) {
            if (options.only() != null) {
                switch (options.only()) {
                    case "clip" -> trainClip(configs, tokenizer, manager);
                    case "vae" -> trainVae(configs, manager);
                    default ->
                        throw new IllegalArgumentException(
                                "--only takes clip or vae (the UNet needs both), got " + options.only());
                }
                return;
            }
            Map<String, NDArray> clip = trainClip(configs, tokenizer, manager);
            Map<String, NDArray> vae = trainVae(configs, manager);
            AutoencoderKL encoder =
                    AutoencoderKL.build(configs.vae(), frozen(vae, manager), ShapesModelConfigs.source());
            LatentPool pool = LatentPool.encode(encoder, data, options.poolSize(), options.seed(), manager);
            out.printf(
                    "[latents] %d training scenes encoded, latent %s, scaling_factor %.5f%n",
                    pool.size(), java.util.Arrays.toString(pool.shape()), pool.scalingFactor());
            ShapesModelConfigs scaled = configs.withScalingFactor(pool.scalingFactor());
            ClipTextModel textEncoder =
                    new ClipTextModel(frozen(clip, manager), configs.clip().textConfig());
            Map<String, NDArray> unet = trainUnet(scaled, textEncoder, tokenizer, pool, manager);
            ShapesModelWriter.write(
                    options.output(), scaled, vocabulary, options.referenceTokenizer(), clip, vae, unet);
        }
        out.printf("wrote %s in %.1f min%n", options.output(), (System.nanoTime() - started) / 6e10);
    }

    /** The tokenizer of the vocabulary, read back from a private folder (stages may run side by side). */
    private ClipTokenizer tokenizer(ShapesVocabulary vocabulary) throws java.io.IOException {
        Files.createDirectories(options.work());
        Path folder = Files.createTempDirectory(options.work(), "tokenizer");
        try {
            vocabulary.write(folder, options.referenceTokenizer(), ShapesModelConfigs.MAX_TOKENS);
            return ClipTokenizer.fromFolder(folder);
        } finally {
            ShapesModelWriter.deleteTree(folder);
        }
    }

    private Map<String, NDArray> trainClip(ShapesModelConfigs configs, ClipTokenizer tokenizer, NDManager manager) {
        StagePlan plan = options.plan("clip", new StagePlan(3000, 128, 1e-3f, 50, 1f, 0f));
        ClipImageProcessor processor = new ClipImageProcessor(ConfigLoader.fromJson(
                Path.of("preprocessor_config.json"),
                ShapesModelWriter.preprocessor(),
                ClipImageProcessorConfig.class,
                ClipImageProcessorConfig.DEFAULTS));
        return train(
                "clip",
                plan,
                manager,
                init -> {
                    Weights w = Weights.initialized(init, manager, DataType.FLOAT32);
                    ClipModel model = new ClipModel(w, configs.clip());
                    return new Built(
                            w,
                            state -> new ClipStage(
                                    model, state.parameters(), processor, tokenizer, data, options.seed(), plan));
                },
                (name, shape, m, type) -> name.equals("logit_scale")
                        ? m.create((float) configs.clip().logitScaleInitValue())
                        : new RandomInit(options.seed() * 31 + 1).create(name, shape, m, type));
    }

    private Map<String, NDArray> trainVae(ShapesModelConfigs configs, NDManager manager) {
        StagePlan plan = options.plan("vae", new StagePlan(4000, 32, 1e-3f, 50, 1f, 0f));
        return train(
                "vae",
                plan,
                manager,
                init -> {
                    Weights w = Weights.initialized(init, manager, DataType.FLOAT32);
                    AutoencoderKL vae = AutoencoderKL.build(configs.vae(), w, ShapesModelConfigs.source());
                    return new Built(w, state -> new VaeStage(vae, state.parameters(), data, options.seed(), plan));
                },
                new RandomInit(options.seed() * 31 + 2));
    }

    private Map<String, NDArray> trainUnet(
            ShapesModelConfigs configs,
            ClipTextModel textEncoder,
            ClipTokenizer tokenizer,
            LatentPool pool,
            NDManager manager) {
        StagePlan plan = options.plan("unet", new StagePlan(4000, 64, 8e-4f, 100, 1f, 0.999f));
        RandomInit random = new RandomInit(options.seed() * 31 + 3);
        return train(
                "unet",
                plan,
                manager,
                init -> {
                    Weights w = Weights.initialized(init, manager, DataType.FLOAT32);
                    UNet2DConditionModel unet =
                            UNet2DConditionModel.build(configs.unet(), w, ShapesModelConfigs.source());
                    return new Built(
                            w,
                            state -> new UNetStage(
                                    unet,
                                    state.parameters(),
                                    textEncoder,
                                    tokenizer,
                                    pool,
                                    data,
                                    options.seed(),
                                    plan));
                },
                (name, shape, m, type) -> name.startsWith("conv_out.")
                        // a zero output layer starts the denoiser at "predict no noise" (loss 1), as ADM does
                        ? m.zeros(new ai.djl.ndarray.types.Shape(shape), type)
                        : random.create(name, shape, m, type));
    }

    private record Built(Weights weights, Function<TrainingState, Stage> stage) {}

    /** Builds the stage's model from scratch or from its checkpoint, trains it to the end of its plan. */
    private Map<String, NDArray> train(
            String name,
            StagePlan plan,
            NDManager manager,
            Function<TensorInitializer, Built> build,
            TensorInitializer fresh) {
        Path checkpoint = options.work().resolve(name + ".safetensors");
        Map<String, String> metadata = Map.of("stage", name, "plan", plan.fingerprint(options.seed()));
        SafeTensorsFile saved = null;
        if (Files.isRegularFile(checkpoint)) {
            saved = SafeTensorsFile.open(checkpoint);
            String plannedBy = saved.metadata().get("plan");
            if (!metadata.get("plan").equals(plannedBy)) {
                throw new IllegalStateException(checkpoint + " was made by another plan (" + plannedBy + " vs "
                        + metadata.get("plan") + "); delete the work folder " + options.work() + " to start over");
            }
        }
        TensorInitializer init =
                saved == null ? NativeInit.of(fresh) : NativeInit.fromCheckpoint(saved, TrainingState.PARAM);
        Built built = build.apply(init);
        TrainingState state = new TrainingState(built.weights().taken(), plan.keepsEma());
        if (saved != null) {
            state.restore(saved, manager);
            out.printf("[%s] continuing from %s at step %d/%d%n", name, checkpoint, state.step(), plan.steps());
        }
        StageRunner runner =
                new StageRunner(checkpoint, metadata, options.reportEvery(), options.checkpointEvery(), out);
        long started = System.nanoTime();
        runner.run(built.stage().apply(state), state, manager);
        out.printf(
                "[%s] done in %.1f min (load average %s)%n", name, (System.nanoTime() - started) / 6e10, loadAverage());
        state.parameters().values().forEach(p -> p.setRequiresGradient(false));
        return state.shipped();
    }

    /** The 1-minute load average where the system reports one ("?" elsewhere). */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Copies of trained arrays that take no part in later gradients, as a weights view to build models on. */
    private static Weights frozen(Map<String, NDArray> arrays, NDManager manager) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        arrays.forEach((name, array) -> copies.put(name, array.duplicate()));
        return Weights.initialized((name, shape, m, type) -> copies.get(name), manager, DataType.FLOAT32);
    }

    /** Every word the captions use (plus the comma), for the vocabulary. */
    private List<String> words() {
        Set<String> words = new LinkedHashSet<>(List.of(","));
        List<ShapeScene> scenes = new ArrayList<>(data.scenes(0, 4000));
        scenes.addAll(ShapesDataset.heldOut(options.seed()).scenes(0, 500));
        for (ShapeScene s : scenes) {
            for (String word : s.caption().split("[ ,]+")) {
                words.add(word);
            }
        }
        return new ArrayList<>(words);
    }
}
