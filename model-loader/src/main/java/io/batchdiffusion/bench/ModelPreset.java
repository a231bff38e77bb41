package io.batchdiffusion.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * The component configs of a benchmark model: the {@code config.json} files a diffusers pipeline folder
 * and a transformers CLIP folder hold. {@link #SD15} reproduces the published Stable Diffusion 1.5 files
 * (runwayml/stable-diffusion-v1-5) and openai/clip-vit-large-patch14 as the scorer; {@link #MINI} has
 * the same block structure at toy widths, for a bench run that takes seconds.
 *
 * @param sizes the image sizes (pixels, square) the bench measures by default
 */
public record ModelPreset(
        String name,
        String unet,
        String vae,
        String textEncoder,
        String scheduler,
        String scorer,
        List<Integer> sizes) {

    private static final String SD15_SCHEDULER = """
            {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
             "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "set_alpha_to_one": false,
             "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}
            """;

    public static final ModelPreset SD15 =
            new ModelPreset("sd15", """
            {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
             "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false,
             "cross_attention_dim": 768,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                  "DownBlock2D"],
             "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4,
             "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32,
             "out_channels": 4, "sample_size": 64,
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
            """, """
            {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                                  "DownEncoderBlock2D"],
             "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
             "out_channels": 3, "sample_size": 512,
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
            """, """
            {"architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0,
             "eos_token_id": 2, "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0,
             "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 77, "model_type": "clip_text_model", "num_attention_heads": 12,
             "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768, "torch_dtype": "float32",
             "vocab_size": 49408}
            """, SD15_SCHEDULER, """
            {"architectures": ["CLIPModel"], "initializer_factor": 1.0, "logit_scale_init_value": 2.6592,
             "model_type": "clip", "projection_dim": 768,
             "text_config": {"bos_token_id": 0, "eos_token_id": 2, "hidden_size": 768, "intermediate_size": 3072,
                             "num_attention_heads": 12, "num_hidden_layers": 12, "projection_dim": 768},
             "vision_config": {"hidden_size": 1024, "image_size": 224, "intermediate_size": 4096,
                               "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14,
                               "projection_dim": 768},
             "torch_dtype": "float32"}
            """, List.of(256, 512));

    public static final ModelPreset MINI =
            new ModelPreset("mini", """
            {"_class_name": "UNet2DConditionModel", "attention_head_dim": 2,
             "block_out_channels": [32, 64, 64, 64], "cross_attention_dim": 32, "layers_per_block": 2,
             "norm_num_groups": 32, "sample_size": 8,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                  "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
            """, """
            {"_class_name": "AutoencoderKL", "block_out_channels": [32, 32, 64, 64], "latent_channels": 4,
             "layers_per_block": 1, "norm_num_groups": 32, "sample_size": 64,
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                                  "DownEncoderBlock2D"],
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
            """, """
            {"architectures": ["CLIPTextModel"], "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "quick_gelu",
             "hidden_size": 32, "intermediate_size": 37, "max_position_embeddings": 77, "num_attention_heads": 4,
             "num_hidden_layers": 2, "pad_token_id": 1, "projection_dim": 32, "vocab_size": 49408}
            """, SD15_SCHEDULER, """
            {"architectures": ["CLIPModel"], "projection_dim": 16,
             "text_config": {"bos_token_id": 0, "eos_token_id": 2, "hidden_size": 32, "intermediate_size": 37,
                             "num_attention_heads": 4, "num_hidden_layers": 2},
             "vision_config": {"hidden_size": 32, "image_size": 56, "intermediate_size": 37,
                               "num_attention_heads": 4, "num_hidden_layers": 2, "patch_size": 14}}
            """, List.of(64, 128));

    public static ModelPreset named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sd15" -> SD15;
            case "mini" -> MINI;
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (sd15, mini)");
        };
    }

    /** A component's config as a JSON object. */
    static ObjectNode json(String text) {
        try {
            return (ObjectNode) ConfigLoader.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
