package io.batchdiffusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.clip.ClipModel;
import io.batchdiffusion.clip.ClipModelConfig;
import io.batchdiffusion.clip.ClipTextConfig;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.unet.UNet2DConditionConfig;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.vae.AutoencoderKLConfig;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.StorageType;
import io.batchdiffusion.weights.TensorInitializer;
import io.batchdiffusion.weights.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes a diffusers pipeline folder (plus a transformers CLIP scorer in {@code clip-scorer/}) of a
 * {@link ModelPreset} with deterministic random weights ({@link RandomInit}): the real shapes cost
 * exactly the real arithmetic. Each component's model is first built over placeholder tensors to learn
 * its parameter names and shapes, then each tensor is generated while the file is written, one at a
 * time, so writing the 3.4 GB SD 1.5 UNet needs memory for its largest tensor only.
 */
public final class RandomModelWriter {

    /** Bumped whenever the files written change, so stale cached folders are rewritten. */
    private static final String FORMAT = "random-model-v1";

    private static final List<String> TOKENIZER_FILES =
            List.of("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json");

    private RandomModelWriter() {}

    /**
     * The folder of {@code preset} under {@code cacheRoot}, written unless a complete one is there.
     *
     * @param fixture a fixture folder laid out like {@code models/tiny-sd-a} (tokenizer files are copied)
     */
    public static Path ensure(ModelPreset preset, long seed, Path fixture, Path cacheRoot) {
        Path folder = cacheRoot.resolve(preset.name() + "-seed" + seed);
        Path marker = folder.resolve(".complete");
        String stamp = FORMAT + " " + preset.name() + " " + seed;
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker).equals(stamp)) {
                return folder;
            }
            write(preset, seed, fixture, folder);
            Files.writeString(marker, stamp);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + folder, e);
        }
    }

    /** Writes every component of {@code preset} into {@code folder}. */
    public static void write(ModelPreset preset, long seed, Path fixture, Path folder) throws IOException {
        Files.createDirectories(folder);
        ObjectNode unet = ModelPreset.json(preset.unet());
        ObjectNode vae = ModelPreset.json(preset.vae());
        ObjectNode text = ModelPreset.json(preset.textEncoder());
        ObjectNode scorer = ModelPreset.json(preset.scorer());
        ObjectNode scheduler = ModelPreset.json(preset.scheduler());

        Path unetDir = writeConfig(folder.resolve("unet"), "config.json", unet);
        UNet2DConditionConfig unetConfig =
                ConfigLoader.fromJson(unetDir, unet, UNet2DConditionConfig.class, UNet2DConditionConfig.DEFAULTS);
        writeWeights(
                unetDir.resolve("diffusion_pytorch_model.safetensors"),
                seed,
                w -> UNet2DConditionModel.build(unetConfig, w, unetDir));

        Path vaeDir = writeConfig(folder.resolve("vae"), "config.json", vae);
        AutoencoderKLConfig vaeConfig =
                ConfigLoader.fromJson(vaeDir, vae, AutoencoderKLConfig.class, AutoencoderKLConfig.DEFAULTS);
        writeWeights(
                vaeDir.resolve("diffusion_pytorch_model.safetensors"),
                seed,
                w -> AutoencoderKL.build(vaeConfig, w, vaeDir));

        Path textDir = writeConfig(folder.resolve("text_encoder"), "config.json", text);
        ClipTextConfig textConfig = ClipTextConfig.load(textDir.resolve("config.json"));
        writeWeights(textDir.resolve("model.safetensors"), seed, w -> new ClipTextModel(w, textConfig));

        writeConfig(folder.resolve("scheduler"), "scheduler_config.json", scheduler);
        copyTokenizer(fixture.resolve("tokenizer"), folder.resolve("tokenizer"));

        Path scorerDir = writeConfig(folder.resolve("clip-scorer"), "config.json", scorer);
        ClipModelConfig scorerConfig = ClipModelConfig.load(scorerDir.resolve("config.json"));
        writeWeights(scorerDir.resolve("model.safetensors"), seed, w -> new ClipModel(w, scorerConfig));
        copyTokenizer(fixture.resolve("clip-scorer"), scorerDir);
        writePreprocessor(fixture.resolve("clip-scorer/preprocessor_config.json"), scorerDir, scorerConfig);

        writeModelIndex(folder, scheduler.path("_class_name").asText());
    }

    private static Path writeConfig(Path dir, String name, ObjectNode config) throws IOException {
        Files.createDirectories(dir);
        ConfigLoader.mapper().writeValue(dir.resolve(name).toFile(), config);
        return dir;
    }

    /** Builds the model over placeholders, then streams one random tensor per parameter it bound. */
    private static void writeWeights(Path file, long seed, Consumer<Weights> build) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Weights shapes = Weights.initialized(PLACEHOLDERS, manager, DataType.FLOAT32);
            build.accept(shapes);
            RandomInit init = new RandomInit(seed);
            SafeTensorsWriter writer = new SafeTensorsWriter();
            shapes.taken().forEach((name, placeholder) -> {
                long[] shape = placeholder.getShape().getShape();
                writer.add(name, StorageType.F32, shape, () -> randomBytes(init, name, shape));
            });
            writer.write(file);
        }
    }

    /** One element broadcast to the shape: the model binds it but no memory is spent. */
    private static final TensorInitializer PLACEHOLDERS = (name, shape, manager, type) -> shape.length == 0
            ? manager.zeros(new Shape(), type)
            : manager.zeros(new Shape(1), type).broadcast(new Shape(shape));

    private static ByteBuffer randomBytes(RandomInit init, String name, long[] shape) {
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray values = init.create(name, shape, scratch, DataType.FLOAT32);
            return SafeTensorsWriter.toBytes(values, StorageType.F32);
        }
    }

    private static void copyTokenizer(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String file : TOKENIZER_FILES) {
            Files.copy(from.resolve(file), to.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The fixture's CLIP preprocessor settings at the scorer's image size. */
    private static void writePreprocessor(Path template, Path dir, ClipModelConfig config) throws IOException {
        ObjectNode node = (ObjectNode) ConfigLoader.mapper().readTree(template.toFile());
        int size = config.visionConfig().imageSize();
        node.putObject("size").put("shortest_edge", size);
        node.putObject("crop_size").put("height", size).put("width", size);
        writeConfig(dir, "preprocessor_config.json", node);
    }

    private static void writeModelIndex(Path folder, String schedulerClass) throws IOException {
        ObjectNode index = ConfigLoader.mapper().createObjectNode();
        index.put("_class_name", "StableDiffusionPipeline");
        index.put("requires_safety_checker", false);
        index.putArray("scheduler").add("diffusers").add(schedulerClass);
        index.putArray("text_encoder").add("transformers").add("CLIPTextModel");
        index.putArray("tokenizer").add("transformers").add("CLIPTokenizer");
        index.putArray("unet").add("diffusers").add("UNet2DConditionModel");
        index.putArray("vae").add("diffusers").add("AutoencoderKL");
        index.putArray("safety_checker").addNull().addNull();
        index.putArray("feature_extractor").addNull().addNull();
        writeConfig(folder, "model_index.json", index);
    }
}
