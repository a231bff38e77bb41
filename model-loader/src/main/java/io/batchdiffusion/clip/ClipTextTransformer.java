package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.LayerNorm;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** transformers' {@code CLIPTextTransformer} ({@code text_model.*}): embeddings, causal encoder, final norm. */
final class ClipTextTransformer {

    private final ClipTextConfig config;
    private final ClipTextEmbeddings embeddings;
    private final ClipEncoder encoder;
    private final LayerNorm finalLayerNorm;
    private final DataType computeType;

    ClipTextTransformer(Weights w, ClipTextConfig c) {
        this.config = c;
        this.computeType = w.computeType();
        this.embeddings = new ClipTextEmbeddings(w.pp("embeddings"), c);
        this.encoder = new ClipEncoder(
                w.pp("encoder"),
                c.hiddenSize(),
                c.intermediateSize(),
                c.numHiddenLayers(),
                c.numAttentionHeads(),
                c.hiddenAct(),
                c.layerNormEps());
        this.finalLayerNorm = new LayerNorm(w.pp("final_layer_norm"), c.hiddenSize(), c.layerNormEps());
    }

    ClipTextOutput forward(NDArray inputIds, NDArray attentionMask) {
        check(inputIds, attentionMask);
        int layers = encoder.layerCount();
        NDList out = Scope.runList(() -> {
            NDArray ids = inputIds.toType(DataType.INT64, false);
            NDArray mask = mask(ids, attentionMask);
            NDArray penultimate = encoder.forward(embeddings.forward(ids), mask, 0, layers - 1);
            NDArray last = finalLayerNorm.forward(encoder.forward(penultimate, mask, layers - 1, layers));
            return new NDList(last, penultimate, pool(last, ids));
        });
        return new ClipTextOutput(out.get(0), out.get(1), out.get(2));
    }

    /** transformers' {@code hidden_states[-(fromEnd + 1)]}: the output of all but the last {@code fromEnd} layers. */
    NDArray hiddenStateFromEnd(NDArray inputIds, NDArray attentionMask, int fromEnd) {
        int layers = encoder.layerCount();
        if (fromEnd < 0 || fromEnd > layers) {
            throw new IllegalArgumentException(
                    "hidden state " + fromEnd + " layers from the end: the text encoder has " + layers + " layers");
        }
        check(inputIds, attentionMask);
        return Scope.run(() -> {
            NDArray ids = inputIds.toType(DataType.INT64, false);
            return encoder.forward(embeddings.forward(ids), mask(ids, attentionMask), 0, layers - fromEnd);
        });
    }

    /** {@code pooler_output} only (what {@code get_text_features} projects). */
    NDArray pooled(NDArray inputIds, NDArray attentionMask) {
        check(inputIds, attentionMask);
        return Scope.run(() -> {
            NDArray ids = inputIds.toType(DataType.INT64, false);
            NDArray hidden =
                    encoder.forward(embeddings.forward(ids), mask(ids, attentionMask), 0, encoder.layerCount());
            return pool(finalLayerNorm.forward(hidden), ids);
        });
    }

    NDArray finalLayerNorm(NDArray hidden) {
        return finalLayerNorm.forward(hidden);
    }

    ClipTextConfig config() {
        return config;
    }

    private NDArray mask(NDArray ids, NDArray attentionMask) {
        NDArray causal =
                ClipAttentionMasks.causal(ids.getManager(), (int) ids.getShape().get(1), computeType);
        return attentionMask == null ? causal : causal.add(ClipAttentionMasks.padding(attentionMask, computeType));
    }

    /** The hidden state at the end-of-text token of each row ({@code eos_token_id} rule of transformers 4.39). */
    private NDArray pool(NDArray last, NDArray ids) {
        NDArray positions = config.legacyEosPooling()
                ? ids.toType(DataType.INT32, false).argMax(1)
                : ids.eq(config.eosTokenId()).toType(DataType.INT32, false).argMax(1);
        long batch = last.getShape().get(0);
        long hidden = last.getShape().get(2);
        NDArray index = positions.reshape(batch, 1, 1).repeat(2, hidden);
        return last.gather(index, 1).reshape(batch, hidden);
    }

    /** Validates shapes and id range before any model work. */
    private void check(NDArray inputIds, NDArray attentionMask) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || shape.get(0) == 0 || shape.get(1) == 0) {
            throw new IllegalArgumentException("input_ids must be [batch, tokens] with both > 0, got " + shape);
        }
        if (!inputIds.getDataType().isInteger()) {
            throw new IllegalArgumentException("input_ids must be integers, got " + inputIds.getDataType());
        }
        if (shape.get(1) > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("input_ids has " + shape.get(1) + " tokens; the text encoder has "
                    + config.maxPositionEmbeddings() + " positions (max_position_embeddings)");
        }
        if (attentionMask != null && !attentionMask.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "attention_mask has shape " + attentionMask.getShape() + ", input_ids " + shape);
        }
        long[] range;
        try (NDArray minMax = Scope.run(
                () -> NDArrays.stack(new NDList(inputIds.min(), inputIds.max())).toType(DataType.INT64, false))) {
            range = minMax.toLongArray();
        }
        long min = range[0];
        long max = range[1];
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("input_ids must lie in [0, " + config.vocabSize()
                    + ") (vocab_size), got values in [" + min + ", " + max + "]");
        }
    }
}
