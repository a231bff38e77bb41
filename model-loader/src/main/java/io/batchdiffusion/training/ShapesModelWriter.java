package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.StorageType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the trained model as a diffusers Stable Diffusion folder ({@code model_index.json}, {@code
 * scheduler/} with a DDIM config, {@code tokenizer/}, {@code text_encoder/}, {@code unet/}, {@code vae/})
 * and the CLIP it was conditioned on as a transformers CLIPModel folder in {@code clip-scorer/}, weights
 * in float16. A component over {@link #MAX_SHARD_BYTES} is written as diffusers' sharded files with a
 * {@code .index.json}, so that no file of the committed model is large. The folder is assembled beside the
 * target and moved into place when complete.
 */
final class ShapesModelWriter {

    private static final ObjectMapper JSON = ConfigLoader.mapper();
    static final long MAX_SHARD_BYTES = 4L << 20;

    private ShapesModelWriter() {}

    static void write(
            Path target,
            ShapesModelConfigs configs,
            ShapesVocabulary vocabulary,
            Path referenceTokenizer,
            Map<String, NDArray> clip,
            Map<String, NDArray> vae,
            Map<String, NDArray> unet) {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            deleteTree(partial);
            Files.createDirectories(partial);
            writeJson(partial.resolve("model_index.json"), modelIndex());
            writeJson(partial.resolve("scheduler/scheduler_config.json"), scheduler());
            vocabulary.write(partial.resolve("tokenizer"), referenceTokenizer, configs.maxTokens());
            ObjectNode textConfig = ConfigLoader.toJson(configs.clip().textConfig(), null);
            textConfig.putArray("architectures").add("CLIPTextModel");
            textConfig.put("model_type", "clip_text_model");
            textConfig.put("torch_dtype", "float16");
            writeJson(partial.resolve("text_encoder/config.json"), textConfig);
            weights(clip, "text_model.", partial.resolve("text_encoder/model.safetensors"));
            ConfigLoader.write(partial.resolve("unet/config.json"), configs.unet(), "UNet2DConditionModel");
            weights(unet, "", partial.resolve("unet/diffusion_pytorch_model.safetensors"));
            ConfigLoader.write(partial.resolve("vae/config.json"), configs.vae(), "AutoencoderKL");
            weights(vae, "", partial.resolve("vae/diffusion_pytorch_model.safetensors"));
            Path scorer = partial.resolve("clip-scorer");
            vocabulary.write(scorer, referenceTokenizer, configs.maxTokens());
            writeJson(scorer.resolve("config.json"), clipConfig(configs));
            writeJson(scorer.resolve("preprocessor_config.json"), preprocessor());
            weights(clip, "", scorer.resolve("model.safetensors"));
            deleteTree(target);
            Files.move(partial, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + target, e);
        }
    }

    /** Tensors in insertion order, a new shard whenever the next would pass the limit (as transformers does). */
    static void weights(Map<String, NDArray> parameters, String prefix, Path file) throws IOException {
        List<Map<String, NDArray>> shards = new ArrayList<>();
        long shardBytes = 0;
        long total = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            long bytes = e.getValue().size() * 2; // float16
            if (shards.isEmpty() || shardBytes > 0 && shardBytes + bytes > MAX_SHARD_BYTES) {
                shards.add(new LinkedHashMap<>());
                shardBytes = 0;
            }
            shards.get(shards.size() - 1).put(e.getKey(), e.getValue());
            shardBytes += bytes;
            total += bytes;
        }
        if (shards.size() == 1) {
            writeShard(shards.get(0), file);
            return;
        }
        String name = file.getFileName().toString();
        String stem = name.substring(0, name.length() - ".safetensors".length());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String shardName = String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", stem, i + 1, shards.size());
            writeShard(shards.get(i), file.resolveSibling(shardName));
            shards.get(i).keySet().forEach(tensor -> weightMap.put(tensor, shardName));
        }
        writeJson(file.resolveSibling(name + ".index.json"), index);
    }

    private static void writeShard(Map<String, NDArray> tensors, Path file) {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        tensors.forEach((name, array) -> writer.add(name, array, StorageType.F16));
        writer.write(file);
    }

    private static ObjectNode modelIndex() {
        ObjectNode index = JSON.createObjectNode();
        index.put("_class_name", "StableDiffusionPipeline");
        index.put("_diffusers_version", "0.27.2");
        for (String none : new String[] {"feature_extractor", "image_encoder", "safety_checker"}) {
            index.putArray(none).addNull().addNull();
        }
        index.put("requires_safety_checker", false);
        component(index.putArray("scheduler"), "diffusers", "DDIMScheduler");
        component(index.putArray("text_encoder"), "transformers", "CLIPTextModel");
        component(index.putArray("tokenizer"), "transformers", "CLIPTokenizer");
        component(index.putArray("unet"), "diffusers", "UNet2DConditionModel");
        component(index.putArray("vae"), "diffusers", "AutoencoderKL");
        return index;
    }

    private static void component(ArrayNode entry, String library, String className) {
        entry.add(library).add(className);
    }

    /** DDIM over the training schedule (Stable Diffusion's scheduler settings). */
    private static ObjectNode scheduler() {
        ObjectNode s = JSON.createObjectNode();
        s.put("_class_name", "DDIMScheduler");
        s.put("_diffusers_version", "0.27.2");
        s.put("num_train_timesteps", NoiseSchedule.TRAIN_TIMESTEPS);
        s.put("beta_start", NoiseSchedule.BETA_START);
        s.put("beta_end", NoiseSchedule.BETA_END);
        s.put("beta_schedule", "scaled_linear");
        s.putNull("trained_betas");
        s.put("clip_sample", false);
        s.put("set_alpha_to_one", false);
        s.put("steps_offset", 1);
        s.put("prediction_type", "epsilon");
        s.put("timestep_spacing", "leading");
        return s;
    }

    private static ObjectNode clipConfig(ShapesModelConfigs configs) {
        ObjectNode c = ConfigLoader.toJson(configs.clip(), null);
        c.putArray("architectures").add("CLIPModel");
        c.put("model_type", "clip");
        c.put("torch_dtype", "float16");
        ((ObjectNode) c.get("text_config")).put("model_type", "clip_text_model");
        ((ObjectNode) c.get("vision_config")).put("model_type", "clip_vision_model");
        return c;
    }

    /** The scorer's preprocessing at the model's resolution: no resize, no crop, CLIP's normalisation. */
    static ObjectNode preprocessor() {
        ObjectNode p = JSON.createObjectNode();
        p.put("image_processor_type", "CLIPImageProcessor");
        p.put("do_resize", true);
        p.putObject("size").put("shortest_edge", ShapesModelConfigs.IMAGE_SIZE);
        p.put("resample", 3);
        p.put("do_center_crop", true);
        p.putObject("crop_size")
                .put("height", ShapesModelConfigs.IMAGE_SIZE)
                .put("width", ShapesModelConfigs.IMAGE_SIZE);
        p.put("do_rescale", true);
        p.put("rescale_factor", 1 / 255.0);
        p.put("do_normalize", true);
        p.putArray("image_mean").add(0.48145466).add(0.4578275).add(0.40821073);
        p.putArray("image_std").add(0.26862954).add(0.26130258).add(0.27577711);
        p.put("do_convert_rgb", true);
        return p;
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        Files.createDirectories(file.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
    }

    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
