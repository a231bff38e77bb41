package io.batchdiffusion.tokenizer;

import io.batchdiffusion.weights.InvalidModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's tokenizer, equal to transformers' slow {@code CLIPTokenizer} with ftfy installed (the
 * reference the goldens were made with; see {@code tokenization_clip.py}). A prompt goes through:
 *
 * <ol>
 *   <li>a split at added tokens ({@code <|startoftext|>}, {@code <|endoftext|>}, the pad token...)
 *       found verbatim in the raw text, which become their ids directly;
 *   <li>for the text between them: {@code whitespace_clean(ftfy.fix_text(text)).lower()} (see {@link
 *       Ftfy} for what of ftfy is covered), the CLIP split pattern, byte-level BPE.
 * </ol>
 *
 * <p>Invalid UTF-16 does not fail: a lone surrogate becomes U+FFFD, as ftfy's {@code fix_surrogates}
 * does, and tokenizes as that character. Instances are immutable apart from a concurrent word cache,
 * so one can be shared between threads.
 */
public final class ClipTokenizer {

    /** CLIPTokenizer's {@code pat}; case-insensitive where the reference's flag can matter. */
    private static final Pattern WORDS = Pattern.compile("(?iu:<\\|startoftext\\|>|<\\|endoftext\\|>"
            + "|'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+|\\p{N}|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+");

    private final BytePairEncoding bpe;
    private final AddedTokenSplitter splitter;
    private final Map<String, Integer> addedTokenIds;
    private final int bosTokenId;
    private final int eosTokenId;
    private final int padTokenId;
    private final int unkTokenId;
    private final int modelMaxLength;

    private ClipTokenizer(BytePairEncoding bpe, TokenizerConfig config, Map<String, Integer> addedTokenIds) {
        this.bpe = bpe;
        this.addedTokenIds = Map.copyOf(addedTokenIds);
        this.splitter = new AddedTokenSplitter(config.addedTokens());
        this.bosTokenId = addedTokenIds.get(config.bos().content());
        this.eosTokenId = addedTokenIds.get(config.eos().content());
        this.padTokenId = addedTokenIds.get(config.pad().content());
        this.unkTokenId = addedTokenIds.get(config.unk().content());
        this.modelMaxLength = config.modelMaxLength();
    }

    /** Reads {@code vocab.json}, {@code merges.txt} and {@code tokenizer_config.json} (+ special_tokens_map.json). */
    public static ClipTokenizer fromFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new InvalidModelFileException(folder, "tokenizer folder is missing");
        }
        BytePairEncoding bpe = BytePairEncoding.load(folder.resolve("vocab.json"), folder.resolve("merges.txt"));
        TokenizerConfig config = TokenizerConfig.read(folder);
        // As transformers: the config's added_tokens_decoder ids first, then special tokens by vocab id.
        Map<String, Integer> ids = new HashMap<>();
        config.addedTokensDecoder().forEach((id, token) -> ids.put(token.content(), id));
        for (AddedToken token : config.addedTokens()) {
            Integer id = ids.containsKey(token.content()) ? ids.get(token.content()) : bpe.id(token.content());
            if (id == null) {
                throw new InvalidModelFileException(
                        folder.resolve(TokenizerConfig.CONFIG_FILE),
                        "special token '" + token.content() + "' is neither in vocab.json nor in added_tokens_decoder");
            }
            ids.put(token.content(), id);
        }
        return new ClipTokenizer(bpe, config, ids);
    }

    /** As {@code StableDiffusionPipeline.encode_prompt}: truncated and padded to {@link #modelMaxLength()}. */
    public TokenizedText encode(String text) {
        return encode(text, modelMaxLength);
    }

    /** Truncated to {@code maxLength} ids (bos and eos kept) and padded to exactly that many. */
    public TokenizedText encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for bos and eos");
        }
        return fit(tokenize(text), maxLength, maxLength);
    }

    /**
     * As {@code CLIPProcessor(text=texts, padding=True)}: every text padded to the longest in the batch;
     * unlike the processor, which does not truncate, texts are cut at {@link #modelMaxLength()}, the
     * most the text model takes.
     */
    public List<TokenizedText> encodePaddedToLongest(List<String> texts) {
        List<int[]> all = new ArrayList<>(texts.size());
        int longest = 0;
        for (String text : texts) {
            int[] ids = tokenize(text);
            all.add(ids);
            longest = Math.max(longest, Math.min(ids.length, modelMaxLength));
        }
        List<TokenizedText> encoded = new ArrayList<>(all.size());
        for (int[] ids : all) {
            encoded.add(fit(ids, modelMaxLength, longest));
        }
        return Collections.unmodifiableList(encoded);
    }

    /** All ids of {@code text}, bos and eos included, neither truncated nor padded. */
    public int[] tokenize(String text) {
        List<String> tokens = bpeTokens(text);
        int[] ids = new int[tokens.size() + 2];
        ids[0] = bosTokenId;
        for (int i = 0; i < tokens.size(); i++) {
            ids[i + 1] = tokenId(tokens.get(i));
        }
        ids[ids.length - 1] = eosTokenId;
        return ids;
    }

    /** The tokens of {@code text} as strings (BPE symbols and added tokens), without bos and eos. */
    List<String> bpeTokens(String text) {
        Objects.requireNonNull(text, "text");
        List<String> tokens = new ArrayList<>();
        for (AddedTokenSplitter.Piece piece : splitter.split(text)) {
            if (piece.token() != null) {
                tokens.add(piece.text());
                continue;
            }
            String clean = PythonLowercase.lower(Whitespace.clean(Ftfy.fixText(piece.text())));
            Matcher words = WORDS.matcher(clean);
            while (words.find()) {
                Collections.addAll(tokens, bpe.encode(words.group()));
            }
        }
        return tokens;
    }

    private int tokenId(String token) {
        Integer id = addedTokenIds.get(token);
        if (id == null) {
            id = bpe.id(token);
        }
        return id != null ? id : unkTokenId;
    }

    /** Cuts {@code ids} to {@code truncateAt} (keeping eos last) and pads to {@code padTo}. */
    private TokenizedText fit(int[] ids, int truncateAt, int padTo) {
        boolean truncated = ids.length > truncateAt;
        int kept = Math.min(ids.length, truncateAt);
        int[] inputIds = new int[Math.max(padTo, kept)];
        Arrays.fill(inputIds, padTokenId);
        System.arraycopy(ids, 0, inputIds, 0, kept);
        if (truncated) {
            inputIds[kept - 1] = eosTokenId;
        }
        int[] mask = new int[inputIds.length];
        Arrays.fill(mask, 0, kept, 1);
        return new TokenizedText(inputIds, mask, ids.length, truncated);
    }

    public int modelMaxLength() {
        return modelMaxLength;
    }

    public int padTokenId() {
        return padTokenId;
    }

    public int bosTokenId() {
        return bosTokenId;
    }

    public int eosTokenId() {
        return eosTokenId;
    }
}
