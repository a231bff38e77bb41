package io.batchdiffusion.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * transformers' {@code CLIPImageProcessor} options, from {@code preprocessor_config.json}, with its
 * defaults (OpenAI CLIP at 224 pixels).
 */
public record ClipImageProcessorConfig(
        boolean doResize,
        SizeDict size,
        int resample,
        boolean doCenterCrop,
        SizeDict cropSize,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        List<Double> imageMean,
        List<Double> imageStd,
        boolean doConvertRgb) {

    /** {@code size} / {@code crop_size} as {@code get_size_dict} makes them; absent keys are null. */
    public record SizeDict(Integer shortestEdge, Integer height, Integer width) {}

    static final SizeDict DEFAULT_SIZE = new SizeDict(224, null, null);
    static final SizeDict DEFAULT_CROP = new SizeDict(null, 224, 224);

    public static final ClipImageProcessorConfig DEFAULTS = new ClipImageProcessorConfig(
            true,
            DEFAULT_SIZE,
            3,
            true,
            DEFAULT_CROP,
            true,
            1 / 255.0,
            true,
            List.of(0.48145466, 0.4578275, 0.40821073),
            List.of(0.26862954, 0.26130258, 0.27577711),
            true);

    public static ClipImageProcessorConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelFileException(file, "preprocessor config is missing");
        }
        JsonNode tree;
        try {
            tree = ConfigLoader.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "config is not valid JSON: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidModelFileException(file, "config is not a JSON object");
        }
        ObjectNode user = (ObjectNode) tree;
        // Legacy files give plain ints: get_size_dict reads size as the shortest edge, crop_size as a square.
        if (user.path("size").isInt()) {
            int edge = user.get("size").asInt();
            user.putObject("size").put("shortest_edge", edge);
        }
        if (user.path("crop_size").isInt()) {
            int crop = user.get("crop_size").asInt();
            user.putObject("crop_size").put("height", crop).put("width", crop);
        }
        // Class names, like diffusers' _class_name: bookkeeping, not options.
        user.remove(List.of("image_processor_type", "feature_extractor_type", "processor_class"));
        // Size dicts replace the default wholesale (a key-by-key merge would mix shortest_edge and height).
        ClipImageProcessorConfig noSizes = new ClipImageProcessorConfig(
                DEFAULTS.doResize,
                null,
                DEFAULTS.resample,
                DEFAULTS.doCenterCrop,
                null,
                DEFAULTS.doRescale,
                DEFAULTS.rescaleFactor,
                DEFAULTS.doNormalize,
                DEFAULTS.imageMean,
                DEFAULTS.imageStd,
                DEFAULTS.doConvertRgb);
        ClipImageProcessorConfig read = ConfigLoader.fromJson(file, user, ClipImageProcessorConfig.class, noSizes);
        return read.withDefaultSizes().validated(file);
    }

    private ClipImageProcessorConfig withDefaultSizes() {
        return new ClipImageProcessorConfig(
                doResize,
                size == null ? DEFAULT_SIZE : size,
                resample,
                doCenterCrop,
                cropSize == null ? DEFAULT_CROP : cropSize,
                doRescale,
                rescaleFactor,
                doNormalize,
                imageMean,
                imageStd,
                doConvertRgb);
    }

    ClipImageProcessorConfig validated(Path source) {
        if ((doResize && size == null) || (doCenterCrop && cropSize == null)) {
            throw new InvalidModelFileException(
                    source, "size and crop_size are needed, got " + size + " / " + cropSize);
        }
        if (doResize) {
            boolean edge = size.shortestEdge() != null && size.shortestEdge() > 0;
            boolean box = size.height() != null && size.width() != null && size.height() > 0 && size.width() > 0;
            if (!edge && !box) {
                throw new InvalidModelFileException(
                        source, "size must hold a positive shortest_edge or height and width, got " + size);
            }
            PilResample.Filter.fromPil(resample, source + ": resample");
        }
        if (doCenterCrop
                && (cropSize.height() == null
                        || cropSize.width() == null
                        || cropSize.height() <= 0
                        || cropSize.width() <= 0)) {
            throw new InvalidModelFileException(
                    source, "crop_size must hold positive height and width, got " + cropSize);
        }
        if (doNormalize) {
            for (List<Double> values : Arrays.asList(imageMean, imageStd)) {
                if (values == null || (values.size() != 1 && values.size() != 3)) {
                    throw new InvalidModelFileException(
                            source, "image_mean and image_std need 1 or 3 values, got " + imageMean + " / " + imageStd);
                }
            }
        }
        return this;
    }
}
