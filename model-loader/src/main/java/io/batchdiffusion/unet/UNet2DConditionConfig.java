package io.batchdiffusion.unet;

import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The {@code config.json} of diffusers' {@code UNet2DConditionModel} (0.27.2), keys in camelCase, with
 * its defaults. Per-block options ({@code attention_head_dim}, {@code layers_per_block}, ...) read a
 * single value as a one-element list; {@link #perBlock} expands them. Note the legacy naming:
 * {@code attention_head_dim} is the number of heads unless {@code num_attention_heads} is set.
 */
public record UNet2DConditionConfig(
        List<Integer> sampleSize,
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        double freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        List<Boolean> onlyCrossAttention,
        List<Integer> blockOutChannels,
        List<Integer> layersPerBlock,
        int downsamplePadding,
        double midBlockScaleFactor,
        double dropout,
        String actFn,
        Integer normNumGroups,
        double normEps,
        List<Integer> crossAttentionDim,
        List<Integer> transformerLayersPerBlock,
        List<Integer> reverseTransformerLayersPerBlock,
        Integer encoderHidDim,
        String encoderHidDimType,
        List<Integer> attentionHeadDim,
        List<Integer> numAttentionHeads,
        boolean dualCrossAttention,
        boolean useLinearProjection,
        String classEmbedType,
        String additionEmbedType,
        Integer additionTimeEmbedDim,
        Integer numClassEmbeds,
        boolean upcastAttention,
        String resnetTimeScaleShift,
        boolean resnetSkipTimeAct,
        double resnetOutScaleFactor,
        String timeEmbeddingType,
        Integer timeEmbeddingDim,
        String timeEmbeddingActFn,
        String timestepPostAct,
        Integer timeCondProjDim,
        int convInKernel,
        int convOutKernel,
        Integer projectionClassEmbeddingsInputDim,
        String attentionType,
        boolean classEmbeddingsConcat,
        Boolean midBlockOnlyCrossAttention,
        String crossAttentionNorm,
        int additionEmbedTypeNumHeads) {

    static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    static final String DOWN = "DownBlock2D";
    static final String CROSS_ATTN_MID = "UNetMidBlock2DCrossAttn";
    static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    static final String UP = "UpBlock2D";

    /** diffusers' defaults (Stable Diffusion 1.x shapes except {@code cross_attention_dim} 1280). */
    public static final UNet2DConditionConfig DEFAULTS = new UNet2DConditionConfig(
            null, // sample_size
            4, // in_channels
            4, // out_channels
            false, // center_input_sample
            true, // flip_sin_to_cos
            0, // freq_shift
            List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN), // down_block_types
            CROSS_ATTN_MID, // mid_block_type
            List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP), // up_block_types
            List.of(false), // only_cross_attention
            List.of(320, 640, 1280, 1280), // block_out_channels
            List.of(2), // layers_per_block
            1, // downsample_padding
            1, // mid_block_scale_factor
            0.0, // dropout
            "silu", // act_fn
            32, // norm_num_groups
            1e-5, // norm_eps
            List.of(1280), // cross_attention_dim
            List.of(1), // transformer_layers_per_block
            null, // reverse_transformer_layers_per_block
            null, // encoder_hid_dim
            null, // encoder_hid_dim_type
            List.of(8), // attention_head_dim
            null, // num_attention_heads
            false, // dual_cross_attention
            false, // use_linear_projection
            null, // class_embed_type
            null, // addition_embed_type
            null, // addition_time_embed_dim
            null, // num_class_embeds
            false, // upcast_attention
            "default", // resnet_time_scale_shift
            false, // resnet_skip_time_act
            1.0, // resnet_out_scale_factor
            "positional", // time_embedding_type
            null, // time_embedding_dim
            null, // time_embedding_act_fn
            null, // timestep_post_act
            null, // time_cond_proj_dim
            3, // conv_in_kernel
            3, // conv_out_kernel
            null, // projection_class_embeddings_input_dim
            "default", // attention_type
            false, // class_embeddings_concat
            null, // mid_block_only_cross_attention
            null, // cross_attention_norm
            64); // addition_embed_type_num_heads

    public static UNet2DConditionConfig load(Path file) {
        UNet2DConditionConfig config = ConfigLoader.load(file, UNet2DConditionConfig.class, DEFAULTS);
        config.validate(file);
        return config;
    }

    public int numBlocks() {
        return downBlockTypes.size();
    }

    /**
     * Heads per down block: {@code num_attention_heads} if set, else the legacy {@code attention_head_dim}.
     * (diffusers 0.27 refuses configs that set {@code num_attention_heads}; we read it as the head count,
     * which is what its {@code num_attention_heads or attention_head_dim} line means.)
     */
    public List<Integer> headsPerBlock() {
        return perBlock(numAttentionHeads != null ? numAttentionHeads : attentionHeadDim);
    }

    /** Transformer layers per up block, from the top: reversed down-block values unless given. */
    public List<Integer> upTransformerLayersPerBlock() {
        if (reverseTransformerLayersPerBlock != null) {
            return perBlock(reverseTransformerLayersPerBlock);
        }
        return reversed(perBlock(transformerLayersPerBlock));
    }

    public int timeEmbedDim() {
        return timeEmbeddingDim != null ? timeEmbeddingDim : blockOutChannels.get(0) * 4;
    }

    /** A per-block option as one value per down block (a single value repeats). */
    public <T> List<T> perBlock(List<T> values) {
        return values.size() == 1 ? Collections.nCopies(numBlocks(), values.get(0)) : values;
    }

    static <T> List<T> reversed(List<T> values) {
        List<T> copy = new ArrayList<>(values);
        Collections.reverse(copy);
        return copy;
    }

    /** Throws, naming {@code file} and the key, for options this implementation does not build. */
    void validate(Path file) {
        unsupportedUnless(file, "class_embed_type", classEmbedType == null, classEmbedType);
        unsupportedUnless(file, "num_class_embeds", numClassEmbeds == null, numClassEmbeds);
        unsupportedUnless(file, "class_embeddings_concat", !classEmbeddingsConcat, true);
        unsupportedUnless(file, "addition_embed_type", additionEmbedType == null, additionEmbedType);
        unsupportedUnless(file, "encoder_hid_dim", encoderHidDim == null, encoderHidDim);
        unsupportedUnless(file, "encoder_hid_dim_type", encoderHidDimType == null, encoderHidDimType);
        unsupportedUnless(file, "time_cond_proj_dim", timeCondProjDim == null, timeCondProjDim);
        unsupportedUnless(file, "time_embedding_type", "positional".equals(timeEmbeddingType), timeEmbeddingType);
        unsupportedUnless(
                file, "resnet_time_scale_shift", "default".equals(resnetTimeScaleShift), resnetTimeScaleShift);
        unsupportedUnless(file, "dual_cross_attention", !dualCrossAttention, true);
        unsupportedUnless(file, "attention_type", "default".equals(attentionType), attentionType);
        unsupportedUnless(file, "norm_num_groups", normNumGroups != null, null);
        Set<String> down = Set.of(CROSS_ATTN_DOWN, DOWN);
        Set<String> up = Set.of(CROSS_ATTN_UP, UP);
        for (String type : downBlockTypes) {
            unsupportedUnless(file, "down_block_types", down.contains(type), type);
        }
        for (String type : upBlockTypes) {
            unsupportedUnless(file, "up_block_types", up.contains(type), type);
        }
        unsupportedUnless(
                file, "mid_block_type", midBlockType == null || CROSS_ATTN_MID.equals(midBlockType), midBlockType);
        requireActivation(file, "act_fn", actFn);
        requireActivation(file, "time_embedding_act_fn", timeEmbeddingActFn);
        requireActivation(file, "timestep_post_act", timestepPostAct);
        int n = numBlocks();
        requireLength(file, "up_block_types", upBlockTypes, n, false);
        requireLength(file, "block_out_channels", blockOutChannels, n, false);
        requireLength(file, "only_cross_attention", onlyCrossAttention, n, true);
        requireLength(file, "layers_per_block", layersPerBlock, n, true);
        requireLength(file, "cross_attention_dim", crossAttentionDim, n, true);
        requireLength(file, "attention_head_dim", attentionHeadDim, n, true);
        requireLength(file, "num_attention_heads", numAttentionHeads, n, true);
        requireLength(file, "transformer_layers_per_block", transformerLayersPerBlock, n, true);
        requireLength(file, "reverse_transformer_layers_per_block", reverseTransformerLayersPerBlock, n, true);
        if (headsPerBlock().contains(null)) {
            throw new InvalidModelFileException(file, "attention_head_dim / num_attention_heads has a null entry");
        }
    }

    private static void requireActivation(Path file, String key, String value) {
        if (value != null) {
            try {
                Activation.fromConfig(value, key);
            } catch (IllegalArgumentException e) {
                throw new InvalidModelFileException(file, "unsupported activation " + key + " = " + value, e);
            }
        }
    }

    private static void unsupportedUnless(Path file, String key, boolean supported, Object value) {
        if (!supported) {
            throw new InvalidModelFileException(
                    file,
                    "unsupported UNet2DConditionModel option " + key + " = " + value
                            + " (this implementation builds Stable Diffusion 1.x/2.x UNets only)");
        }
    }

    private static void requireLength(Path file, String key, List<?> values, int n, boolean singleAllowed) {
        if (values == null || values.size() == n || (singleAllowed && values.size() == 1)) {
            return;
        }
        throw new InvalidModelFileException(
                file, key + " has " + values.size() + " entries but down_block_types has " + n + ": " + values);
    }
}
