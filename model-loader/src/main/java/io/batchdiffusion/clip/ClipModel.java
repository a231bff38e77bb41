package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.NativeTuning;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.WeightStore;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code CLIPModel}: both towers, their bias-free projections into the shared embedding
 * space, and {@code logit_scale}. Results are created in the manager of the input arrays.
 */
public final class ClipModel {

    private final ClipModelConfig config;
    private final ClipTextTransformer textModel;
    private final ClipVisionTransformer visionModel;
    private final Linear visualProjection;
    private final Linear textProjection;
    private final float logitScale;
    private final Weights weights;

    public ClipModel(Weights w, ClipModelConfig c) {
        this.config = c;
        this.weights = w;
        this.textModel = new ClipTextTransformer(w.pp("text_model"), c.textConfig());
        this.visionModel = new ClipVisionTransformer(w.pp("vision_model"), c.visionConfig());
        this.visualProjection =
                new Linear(w.pp("visual_projection"), c.visionConfig().hiddenSize(), c.projectionDim(), false);
        this.textProjection =
                new Linear(w.pp("text_projection"), c.textConfig().hiddenSize(), c.projectionDim(), false);
        NDArray scale = w.get("logit_scale");
        try (NDArray asFloat = scale.toType(DataType.FLOAT32, true)) {
            this.logitScale = asFloat.getFloat();
        }
    }

    /** Loads a transformers {@code CLIPModel} folder ({@code config.json}, {@code model.safetensors}). */
    public static ClipModel load(Path folder, NDManager manager, DataType dtype) {
        ClipModelConfig config = ClipModelConfig.load(folder.resolve("config.json"));
        NativeTuning.apply();
        return new ClipModel(Weights.of(WeightStore.ofFolder(folder), manager, dtype), config);
    }

    /** {@code get_text_features}: projected pooled text output, not normalised, [batch, projection_dim]. */
    public NDArray textFeatures(NDArray inputIds, NDArray attentionMask) {
        return Scope.run(() -> textProjection.forward(textModel.pooled(inputIds, attentionMask)));
    }

    /** {@code get_image_features}: projected pooled vision output, not normalised, [batch, projection_dim]. */
    public NDArray imageFeatures(NDArray pixelValues) {
        return Scope.run(
                () -> visualProjection.forward(visionModel.forward(pixelValues).pooled()));
    }

    /**
     * {@code CLIPModel(...).logits_per_image}: {@code exp(logit_scale)} times the cosine of every image with
     * every text, [images, texts].
     */
    public NDArray logitsPerImage(NDArray pixelValues, NDArray inputIds, NDArray attentionMask) {
        return Scope.run(() -> {
            NDArray images = l2Normalize(imageFeatures(pixelValues));
            NDArray texts = l2Normalize(textFeatures(inputIds, attentionMask));
            return Scalars.muli(texts.matMul(images.transpose()), (float) Math.exp(logitScale))
                    .transpose();
        });
    }

    /** The learned temperature, as stored (log scale). */
    public float logitScale() {
        return logitScale;
    }

    public ClipModelConfig config() {
        return config;
    }

    public ClipVisionTransformer visionModel() {
        return visionModel;
    }

    /** Checkpoint tensors this model did not bind. */
    public Set<String> unused() {
        return weights.unused();
    }

    public Weights weights() {
        return weights;
    }

    /** {@code x / x.norm(p=2, dim=-1, keepdim=True)}. */
    static NDArray l2Normalize(NDArray x) {
        return Scope.run(() -> x.div(x.norm(new int[] {-1}, true)));
    }
}
