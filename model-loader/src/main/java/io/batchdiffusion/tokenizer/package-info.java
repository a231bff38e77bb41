/**
 * CLIP's byte-level BPE tokenizer, equal to transformers' slow {@code CLIPTokenizer} with ftfy
 * installed: {@link io.batchdiffusion.tokenizer.ClipTokenizer} reads a tokenizer folder
 * ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json}) and turns prompts into the
 * {@code input_ids} the text encoder takes.
 */
package io.batchdiffusion.tokenizer;
