package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.WeightStore;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code CLIPTextModel}, Stable Diffusion's {@code text_encoder/}: weights under
 * {@code text_model.}. Outputs are created in the manager of {@code inputIds}.
 */
public final class ClipTextModel {

    private final ClipTextTransformer textModel;
    private final Weights weights;

    /** Binds {@code text_model.*} of the root view {@code weights}. */
    public ClipTextModel(Weights weights, ClipTextConfig config) {
        this.weights = weights;
        this.textModel = new ClipTextTransformer(weights.pp("text_model"), config);
    }

    /** Loads a {@code text_encoder/} folder ({@code config.json} and {@code model.safetensors}). */
    public static ClipTextModel load(Path textEncoderFolder, NDManager manager, DataType dtype) {
        ClipTextConfig config = ClipTextConfig.load(textEncoderFolder.resolve("config.json"));
        return new ClipTextModel(Weights.of(WeightStore.ofFolder(textEncoderFolder), manager, dtype), config);
    }

    /** Without an attention mask, as {@code StableDiffusionPipeline} calls it. */
    public ClipTextOutput forward(NDArray inputIds) {
        return forward(inputIds, null);
    }

    /**
     * @param inputIds integer [batch, tokens], tokens at most {@code max_position_embeddings}
     * @param attentionMask 0/1 [batch, tokens], or {@code null} for none
     */
    public ClipTextOutput forward(NDArray inputIds, NDArray attentionMask) {
        return textModel.forward(inputIds, attentionMask);
    }

    /**
     * transformers' {@code hidden_states[-(k + 1)]}: the output after all but the last {@code k} layers,
     * without {@code final_layer_norm}; {@code k = 1} is {@link ClipTextOutput#penultimateHiddenState()}.
     */
    public NDArray hiddenStateFromEnd(NDArray inputIds, NDArray attentionMask, int k) {
        return textModel.hiddenStateFromEnd(inputIds, attentionMask, k);
    }

    /**
     * Prompt embeddings as diffusers' {@code encode_prompt(clip_skip=...)} makes them: the last hidden state
     * for {@code clipSkip = 0}, else {@code final_layer_norm(hidden_states[-(clipSkip + 1)])}.
     */
    public NDArray promptEmbeddings(NDArray inputIds, NDArray attentionMask, int clipSkip) {
        return Scope.run(() -> textModel.finalLayerNorm(hiddenStateFromEnd(inputIds, attentionMask, clipSkip)));
    }

    public ClipTextConfig config() {
        return textModel.config();
    }

    /** Checkpoint tensors this model did not bind (empty for a well-formed checkpoint). */
    public Set<String> unused() {
        return weights.unused();
    }

    /** The bound weights (parameters by tensor path). */
    public Weights weights() {
        return weights;
    }
}
