package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.tokenizer.TokenizedText;
import java.util.ArrayList;
import java.util.List;

/**
 * Text conditioning for a batch, laid out as the UNet's doubled batch wants it: the negative prompts
 * (or "") of the requests that use classifier-free guidance first, then every request's prompt, all
 * encoded in one text-encoder pass. Prompts are padded and truncated to the tokenizer's 77 tokens, as
 * diffusers' {@code encode_prompt} does.
 */
final class PromptEncoder {

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;

    PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
    }

    /** {@code [uncond(guided requests); cond(all requests)]} embeddings, {@code [n, 77, hidden]}. */
    NDArray encode(List<RenderRequest> requests, int clipSkip, NDManager manager) {
        List<String> texts = new ArrayList<>();
        for (RenderRequest r : requests) {
            if (r.usesGuidance()) {
                texts.add(r.negativePrompt());
            }
        }
        for (RenderRequest r : requests) {
            texts.add(r.prompt());
        }
        int length = tokenizer.modelMaxLength();
        long[] ids = new long[texts.size() * length];
        for (int i = 0; i < texts.size(); i++) {
            TokenizedText tokens = tokenizer.encode(texts.get(i));
            for (int j = 0; j < length; j++) {
                ids[i * length + j] = tokens.inputIds()[j];
            }
        }
        NDArray inputIds = manager.create(ids, new Shape(texts.size(), length));
        return textEncoder.promptEmbeddings(inputIds, null, clipSkip);
    }

    int tokenCount(String prompt) {
        return tokenizer.tokenize(prompt).length;
    }

    int maxTokens() {
        return tokenizer.modelMaxLength();
    }
}
