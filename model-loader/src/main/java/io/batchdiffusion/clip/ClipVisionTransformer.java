package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.LayerNorm;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * transformers' {@code CLIPVisionTransformer} ({@code vision_model.*}): patch embeddings, {@code pre_layrnorm}
 * (sic, the checkpoint's name), the encoder without a mask, {@code post_layernorm} on the class token.
 */
public final class ClipVisionTransformer {

    private final ClipVisionConfig config;
    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final ClipEncoder encoder;
    private final LayerNorm postLayernorm;

    /** Binds the view of {@code vision_model}. */
    public ClipVisionTransformer(Weights w, ClipVisionConfig c) {
        this.config = c;
        this.embeddings = new ClipVisionEmbeddings(w.pp("embeddings"), c);
        this.preLayrnorm = new LayerNorm(w.pp("pre_layrnorm"), c.hiddenSize(), c.layerNormEps());
        this.encoder = new ClipEncoder(
                w.pp("encoder"),
                c.hiddenSize(),
                c.intermediateSize(),
                c.numHiddenLayers(),
                c.numAttentionHeads(),
                c.hiddenAct(),
                c.layerNormEps());
        this.postLayernorm = new LayerNorm(w.pp("post_layernorm"), c.hiddenSize(), c.layerNormEps());
    }

    /** @param pixelValues [batch, num_channels, image_size, image_size], as the image processor makes them */
    public ClipVisionOutput forward(NDArray pixelValues) {
        check(pixelValues);
        NDList out = Scope.runList(() -> {
            NDArray hidden = preLayrnorm.forward(embeddings.forward(pixelValues));
            NDArray last = encoder.forward(hidden, null, 0, encoder.layerCount());
            return new NDList(last, postLayernorm.forward(last.get(new NDIndex(":, 0, :"))));
        });
        return new ClipVisionOutput(out.get(0), out.get(1));
    }

    public ClipVisionConfig config() {
        return config;
    }

    private void check(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        int size = config.imageSize();
        if (s.dimension() != 4
                || s.get(0) == 0
                || s.get(1) != config.numChannels()
                || s.get(2) != size
                || s.get(3) != size) {
            throw new IllegalArgumentException("pixel_values has shape " + s + "; the vision tower takes [batch, "
                    + config.numChannels() + ", " + size + ", " + size + "] (vision_config num_channels, image_size)");
        }
        if (!pixelValues.getDataType().isFloating()) {
            throw new IllegalArgumentException("pixel_values must be floating point, got " + pixelValues.getDataType());
        }
    }
}
