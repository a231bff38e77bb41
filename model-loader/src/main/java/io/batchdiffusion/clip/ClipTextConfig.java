package io.batchdiffusion.clip;

import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.nn.Activation;
import java.nio.file.Path;

/**
 * transformers' {@code CLIPTextConfig}: the {@code config.json} of a {@code CLIPTextModel} (Stable
 * Diffusion's {@code text_encoder/}) or the {@code text_config} of a {@code CLIPModel}. Missing keys take
 * transformers' defaults (those of openai/clip-vit-base-patch32's text tower).
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int projectionDim,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        double attentionDropout,
        double initializerRange,
        double initializerFactor,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {

    public static final ClipTextConfig DEFAULTS =
            new ClipTextConfig(49408, 512, 2048, 512, 12, 8, 77, "quick_gelu", 1e-5, 0.0, 0.02, 1.0, 1, 49406, 49407);

    /** Reads a {@code config.json} over {@link #DEFAULTS} and checks that its sizes fit together. */
    public static ClipTextConfig load(Path configJson) {
        return ConfigLoader.load(configJson, ClipTextConfig.class, DEFAULTS).validated(configJson, "");
    }

    /**
     * Before #24773 transformers configs carried {@code eos_token_id = 2} while the tokenizer's end token is
     * 49407; with that value pooling takes the position of the largest id, which is the end token.
     */
    boolean legacyEosPooling() {
        return eosTokenId == 2;
    }

    /** Checks the sizes; {@code prefix} names the enclosing key in messages ("text_config." or ""). */
    ClipTextConfig validated(Path source, String prefix) {
        ClipConfigChecks.transformer(source, prefix, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads);
        ClipConfigChecks.positive(source, prefix + "vocab_size", vocabSize);
        ClipConfigChecks.positive(source, prefix + "max_position_embeddings", maxPositionEmbeddings);
        Activation.fromConfig(hiddenAct, source + ": " + prefix + "hidden_act");
        return this;
    }
}
