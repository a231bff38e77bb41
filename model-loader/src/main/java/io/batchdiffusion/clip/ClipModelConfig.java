package io.batchdiffusion.clip;

import io.batchdiffusion.config.ConfigLoader;
import java.nio.file.Path;

/**
 * transformers' {@code CLIPConfig}: a {@code CLIPModel}'s {@code config.json} with the two towers' configs
 * nested. Keys missing inside {@code text_config} / {@code vision_config} take those towers' defaults, as
 * {@code CLIPConfig.__init__} builds them.
 */
public record ClipModelConfig(
        ClipTextConfig textConfig,
        ClipVisionConfig visionConfig,
        int projectionDim,
        double logitScaleInitValue,
        double initializerFactor) {

    public static final ClipModelConfig DEFAULTS =
            new ClipModelConfig(ClipTextConfig.DEFAULTS, ClipVisionConfig.DEFAULTS, 512, 2.6592, 1.0);

    public static ClipModelConfig load(Path configJson) {
        ClipModelConfig read = ConfigLoader.load(configJson, ClipModelConfig.class, DEFAULTS);
        // "text_config": null means the defaults, as in transformers.
        ClipModelConfig config = new ClipModelConfig(
                read.textConfig == null ? ClipTextConfig.DEFAULTS : read.textConfig,
                read.visionConfig == null ? ClipVisionConfig.DEFAULTS : read.visionConfig,
                read.projectionDim,
                read.logitScaleInitValue,
                read.initializerFactor);
        config.textConfig.validated(configJson, "text_config.");
        config.visionConfig.validated(configJson, "vision_config.");
        ClipConfigChecks.positive(configJson, "projection_dim", config.projectionDim);
        return config;
    }
}
