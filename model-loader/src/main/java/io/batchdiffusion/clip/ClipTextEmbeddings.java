package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** transformers' {@code CLIPTextEmbeddings}: token plus learned absolute position embeddings. */
final class ClipTextEmbeddings {

    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;

    ClipTextEmbeddings(Weights w, ClipTextConfig config) {
        this.tokenEmbedding = w.get("token_embedding.weight", config.vocabSize(), config.hiddenSize());
        this.positionEmbedding =
                w.get("position_embedding.weight", config.maxPositionEmbeddings(), config.hiddenSize());
        takeLegacyPositionIds(w);
    }

    /** @param inputIds int64 [batch, tokens] */
    NDArray forward(NDArray inputIds) {
        return Scope.run(() -> {
            int tokens = (int) inputIds.getShape().get(1);
            NDArray positions = inputIds.getManager().arange(0, tokens, 1, DataType.INT64);
            return lookup(inputIds, tokenEmbedding).add(lookup(positions, positionEmbedding));
        });
    }

    /** Rows of {@code table} by index, created beside the indices (never in the weights' manager). */
    static NDArray lookup(NDArray indices, NDArray table) {
        return indices.getNDArrayInternal()
                .embedding(indices, table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /**
     * transformers before 4.31 saved the {@code position_ids} buffer (arange) in checkpoints; 4.39 ignores it
     * on load. Taking it keeps {@code unused()} meaningful for such files.
     */
    static void takeLegacyPositionIds(Weights embeddings) {
        if (embeddings.contains("position_ids")) {
            embeddings.getAnyShape("position_ids");
        }
    }
}
