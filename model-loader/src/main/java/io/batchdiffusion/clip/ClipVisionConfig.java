package io.batchdiffusion.clip;

import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.nio.file.Path;

/**
 * transformers' {@code CLIPVisionConfig}: the {@code vision_config} of a {@code CLIPModel}. Missing keys
 * take transformers' defaults (ViT-B/32 at 224 pixels).
 */
public record ClipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int projectionDim,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps,
        double attentionDropout,
        double initializerRange,
        double initializerFactor) {

    public static final ClipVisionConfig DEFAULTS =
            new ClipVisionConfig(768, 3072, 512, 12, 12, 3, 224, 32, "quick_gelu", 1e-5, 0.0, 0.02, 1.0);

    public static ClipVisionConfig load(Path configJson) {
        return ConfigLoader.load(configJson, ClipVisionConfig.class, DEFAULTS).validated(configJson, "");
    }

    /** Patches per side; transformers floors, as its stride-{@code patch_size} convolution does. */
    int gridSize() {
        return imageSize / patchSize;
    }

    /** Patch tokens plus the class token. */
    int numPositions() {
        return gridSize() * gridSize() + 1;
    }

    /** Checks the sizes; {@code p} names the enclosing key in messages ("vision_config." or ""). */
    ClipVisionConfig validated(Path source, String p) {
        ClipConfigChecks.transformer(source, p, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads);
        ClipConfigChecks.positive(source, p + "num_channels", numChannels);
        ClipConfigChecks.positive(source, p + "patch_size", patchSize);
        if (imageSize < patchSize) {
            throw new InvalidModelFileException(
                    source, p + "image_size " + imageSize + " is smaller than patch_size " + patchSize);
        }
        Activation.fromConfig(hiddenAct, source + ": " + p + "hidden_act");
        return this;
    }
}
