package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * transformers' {@code CLIPVisionEmbeddings}: non-overlapping patches through a bias-free convolution, a
 * learned class token in front, learned absolute position embeddings added.
 */
final class ClipVisionEmbeddings {

    private static final Shape NO_PADDING = new Shape(0, 0);
    private static final Shape NO_DILATION = new Shape(1, 1);

    private final NDArray classEmbedding;
    private final NDArray patchEmbedding;
    private final NDArray positionEmbedding;
    private final Shape stride;
    private final int hidden;
    private final int positions;

    ClipVisionEmbeddings(Weights w, ClipVisionConfig c) {
        this.hidden = c.hiddenSize();
        this.positions = c.numPositions();
        this.stride = new Shape(c.patchSize(), c.patchSize());
        this.classEmbedding = w.get("class_embedding", c.hiddenSize());
        this.patchEmbedding =
                w.get("patch_embedding.weight", c.hiddenSize(), c.numChannels(), c.patchSize(), c.patchSize());
        this.positionEmbedding = w.get("position_embedding.weight", positions, c.hiddenSize());
        ClipTextEmbeddings.takeLegacyPositionIds(w);
    }

    /** @param pixelValues [batch, channels, image_size, image_size] (checked by the caller) */
    NDArray forward(NDArray pixelValues) {
        return Scope.run(() -> {
            long batch = pixelValues.getShape().get(0);
            NDArray pixels = pixelValues.toType(patchEmbedding.getDataType(), false);
            NDArray patches = pixels.getNDArrayInternal()
                    .convolution(pixels, patchEmbedding, null, stride, NO_PADDING, NO_DILATION, 1)
                    .singletonOrThrow()
                    .reshape(batch, hidden, -1)
                    .transpose(0, 2, 1);
            NDManager m = pixels.getManager();
            NDArray classTokens =
                    m.zeros(new Shape(batch, 1, hidden), pixels.getDataType()).addi(classEmbedding);
            NDArray positionIds = m.arange(0, positions, 1, DataType.INT64);
            return NDArrays.concat(new NDList(classTokens, patches), 1)
                    .add(ClipTextEmbeddings.lookup(positionIds, positionEmbedding));
        });
    }
}
