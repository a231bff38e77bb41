package io.batchdiffusion.tokenizer;

/**
 * One tokenized prompt, as the Hugging Face tokenizer returns it for a single text.
 *
 * @param inputIds token ids: bos, the text's tokens, eos, then pad ids up to the requested length
 * @param attentionMask 1 for bos, text and eos positions, 0 for padding
 * @param untruncatedLength how many ids (bos and eos included) the text has before truncation
 * @param truncated whether text tokens were dropped to fit the length
 */
public record TokenizedText(int[] inputIds, int[] attentionMask, int untruncatedLength, boolean truncated) {}
