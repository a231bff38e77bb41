package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;

/**
 * What {@code CLIPTextModel} returns, for Stable Diffusion's use.
 *
 * @param lastHiddenState [batch, tokens, hidden], after {@code final_layer_norm}
 * @param penultimateHiddenState [batch, tokens, hidden], transformers' {@code hidden_states[-2]}: the input
 *     of the last layer, without {@code final_layer_norm} (diffusers' {@code clip_skip=1} normalises it)
 * @param pooled [batch, hidden], the last hidden state at the end-of-text token
 */
public record ClipTextOutput(NDArray lastHiddenState, NDArray penultimateHiddenState, NDArray pooled) {}
