package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;

/**
 * What {@code CLIPVisionTransformer} returns.
 *
 * @param lastHiddenState [batch, 1 + patches, hidden], encoder output (no final norm)
 * @param pooled [batch, hidden], {@code post_layernorm} of the class token
 */
public record ClipVisionOutput(NDArray lastHiddenState, NDArray pooled) {}
