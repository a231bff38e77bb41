package io.batchdiffusion.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.clip.ClipModelConfig;
import io.batchdiffusion.clip.ClipTextConfig;
import io.batchdiffusion.clip.ClipVisionConfig;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.unet.UNet2DConditionConfig;
import io.batchdiffusion.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The architecture of the shapes model, as the config.json files it ships with: a CLIP of two 3-layer,
 * 64-wide towers over 32x32 images (4-pixel patches) and 32-token captions; an AutoencoderKL with three
 * levels (16, 32, 64 channels) mapping 32x32 images to 4x8x8 latents; a two-level UNet2DConditionModel
 * (32 and 64 channels times {@code width}, cross-attention at both levels) over those latents, conditioned
 * on the CLIP text tower's last hidden state. The shipped model has width 2 (64 and 128 channels).
 */
record ShapesModelConfigs(ClipModelConfig clip, AutoencoderKLConfig vae, UNet2DConditionConfig unet, int maxTokens) {

    static final int IMAGE_SIZE = 32;
    static final int MAX_TOKENS = 32;
    static final int TEXT_WIDTH = 64;
    private static final Path SOURCE = Path.of("shapes-model-configs");

    static ShapesModelConfigs of(ShapesVocabulary vocabulary, int unetWidth) {
        return new ShapesModelConfigs(clipConfig(vocabulary), vaeConfig(), unetConfig(unetWidth), MAX_TOKENS);
    }

    private static ClipModelConfig clipConfig(ShapesVocabulary vocabulary) {
        int end = vocabulary.id(ShapesVocabulary.END);
        ClipTextConfig text = new ClipTextConfig(
                vocabulary.size(),
                TEXT_WIDTH,
                2 * TEXT_WIDTH,
                32,
                3,
                4,
                MAX_TOKENS,
                "quick_gelu",
                1e-5,
                0.0,
                0.02,
                1.0,
                end,
                vocabulary.id(ShapesVocabulary.START),
                end);
        ClipVisionConfig vision = new ClipVisionConfig(
                TEXT_WIDTH, 2 * TEXT_WIDTH, 32, 3, 4, 3, IMAGE_SIZE, 4, "quick_gelu", 1e-5, 0.0, 0.02, 1.0);
        return new ClipModelConfig(text, vision, 32, 2.6592, 1.0);
    }

    private static AutoencoderKLConfig vaeConfig() {
        String down = "DownEncoderBlock2D";
        String up = "UpDecoderBlock2D";
        return new AutoencoderKLConfig(
                3,
                3,
                List.of(down, down, down),
                List.of(up, up, up),
                List.of(16, 32, 64),
                1,
                "silu",
                4,
                8,
                List.of(IMAGE_SIZE),
                1.0,
                null,
                null,
                true);
    }

    private static UNet2DConditionConfig unetConfig(int width) {
        ObjectNode json = ConfigLoader.mapper().createObjectNode();
        json.put("sample_size", IMAGE_SIZE / 4);
        json.put("in_channels", 4);
        json.put("out_channels", 4);
        json.putArray("down_block_types").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D");
        json.putArray("up_block_types").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D");
        json.putArray("block_out_channels").add(32 * width).add(64 * width);
        json.put("layers_per_block", 1);
        json.put("attention_head_dim", 2 * width);
        json.put("cross_attention_dim", TEXT_WIDTH);
        json.put("norm_num_groups", 16);
        return ConfigLoader.fromJson(SOURCE, json, UNet2DConditionConfig.class, UNet2DConditionConfig.DEFAULTS);
    }

    /** The VAE config with the latent scale measured on the training data. */
    ShapesModelConfigs withScalingFactor(double scalingFactor) {
        AutoencoderKLConfig v = vae;
        AutoencoderKLConfig scaled = new AutoencoderKLConfig(
                v.inChannels(),
                v.outChannels(),
                v.downBlockTypes(),
                v.upBlockTypes(),
                v.blockOutChannels(),
                v.layersPerBlock(),
                v.actFn(),
                v.latentChannels(),
                v.normNumGroups(),
                v.sampleSize(),
                scalingFactor,
                v.latentsMean(),
                v.latentsStd(),
                v.forceUpcast());
        return new ShapesModelConfigs(clip, scaled, unet, maxTokens);
    }

    /** The config source name used in error messages of models built from these records. */
    static Path source() {
        return SOURCE;
    }
}
