package io.batchdiffusion.tokenizer;

/**
 * A token matched in the raw text before any clean-up and never split (transformers'
 * {@code AddedToken}): CLIP's bos, eos, unk and pad tokens and any others the config adds.
 *
 * @param lstrip the token swallows the whitespace on its left
 * @param rstrip the token swallows the whitespace on its right
 * @param singleWord the token only counts when it is not glued to a neighbouring word
 */
record AddedToken(String content, boolean lstrip, boolean rstrip, boolean singleWord) {

    /** A token given as a plain string: no stripping, matched anywhere. */
    static AddedToken of(String content) {
        return new AddedToken(content, false, false, false);
    }
}
