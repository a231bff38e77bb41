package io.batchdiffusion.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2 style byte-level BPE as CLIP uses it ({@code CLIPTokenizer.bpe}): a word's UTF-8 bytes are
 * mapped to printable characters, its last symbol carries the end-of-word suffix {@code </w>}, and
 * the lowest-ranked adjacent pair is merged everywhere, left to right, until no pair ranks.
 */
final class BytePairEncoding {

    static final String END_OF_WORD = "</w>";

    /** CLIP reads at most this many merges: 49152 tokens minus 256 bytes minus 2 special tokens. */
    static final int MAX_MERGES = 49152 - 256 - 2;

    /** The word cache is dropped when it grows past this, so a long-running job cannot fill memory. */
    private static final int CACHE_LIMIT = 100_000;

    private static final char[] BYTE_TO_CHAR = bytesToUnicode();

    /** 49k distinct keys: Jackson's field-name interning would only cost time. */
    private static final JsonFactory VOCAB_JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    /** Words the reference's cache starts with: they stay whole and take no suffix. */
    private static final Map<String, String[]> SPECIAL_WORDS = Map.of(
            "<|startoftext|>", new String[] {"<|startoftext|>"},
            "<|endoftext|>", new String[] {"<|endoftext|>"});

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();

    private BytePairEncoding(Map<String, Integer> vocab, MergeTable merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    static BytePairEncoding load(Path vocabFile, Path mergesFile) {
        return new BytePairEncoding(readVocab(vocabFile), new MergeTable(readMerges(mergesFile)));
    }

    /** The id of a vocabulary entry, or null. */
    Integer id(String token) {
        return vocab.get(token);
    }

    /** The BPE tokens of one pre-tokenized word (a match of the CLIP split pattern). */
    String[] encode(String word) {
        String[] special = SPECIAL_WORDS.get(word);
        if (special != null) {
            return special;
        }
        String[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(toByteChars(word));
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(word, cached);
        }
        return cached;
    }

    /** The word's UTF-8 bytes, each as its printable stand-in character. */
    static String toByteChars(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    private String[] merge(String word) {
        int n = word.length();
        String[] symbols = new String[n];
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            symbols[i] = i < n - 1 ? String.valueOf(word.charAt(i)) : word.charAt(i) + END_OF_WORD;
            ids[i] = merges.id(symbols[i]);
        }
        while (n > 1) {
            int best = MergeTable.NO_RANK;
            int left = 0;
            int right = 0;
            for (int i = 0; i < n - 1; i++) {
                int rank = merges.rank(ids[i], ids[i + 1]);
                if (rank < best) {
                    best = rank;
                    left = ids[i];
                    right = ids[i + 1];
                }
            }
            if (best == MergeTable.NO_RANK) {
                break;
            }
            int joined = merges.merge(left, right);
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (i < n - 1 && ids[i] == left && ids[i + 1] == right) {
                    ids[kept] = joined;
                    symbols[kept++] = null; // named from the merge table below
                    i++;
                } else {
                    ids[kept] = ids[i];
                    symbols[kept++] = symbols[i];
                }
            }
            n = kept;
        }
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = symbols[i] != null ? symbols[i] : merges.symbol(ids[i]);
        }
        return tokens;
    }

    /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the rest for 256+. */
    private static char[] bytesToUnicode() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = (char) (printable ? b : next++);
        }
        return map;
    }

    private static Map<String, Integer> readVocab(Path file) {
        requireFile(file);
        Map<String, Integer> vocab = new HashMap<>(1 << 17);
        try (JsonParser parser = VOCAB_JSON.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidModelFileException(file, "vocab is not a JSON object of token -> id");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String token = parser.getCurrentName();
                if (parser.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw new InvalidModelFileException(file, "id of token '" + token + "' is not an integer");
                }
                vocab.put(token, parser.getIntValue());
            }
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "vocab is not valid JSON: " + e.getMessage(), e);
        }
        return vocab;
    }

    /** As the reference: the file is stripped, its first line (the version header) skipped. */
    private static List<String[]> readMerges(Path file) {
        requireFile(file);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "cannot read merges: " + e.getMessage(), e);
        }
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').strip().split("\n", -1);
        int count = Math.max(0, Math.min(lines.length - 1, MAX_MERGES));
        List<String[]> merges = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            String[] pair = splitPair(lines[i]);
            if (pair == null) {
                throw new InvalidModelFileException(
                        file, "line " + (i + 1) + " is not a pair of symbols: '" + lines[i] + "'");
            }
            merges.add(pair);
        }
        return merges;
    }

    /** Python's {@code line.split()} when it yields exactly two parts, else null. */
    private static String[] splitPair(String line) {
        String[] parts = new String[2];
        int count = 0;
        for (int i = 0; i < line.length(); ) {
            while (i < line.length() && Whitespace.isSpace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !Whitespace.isSpace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                if (count == 2) {
                    return null;
                }
                parts[count++] = line.substring(start, i);
            }
        }
        return count == 2 ? parts : null;
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelFileException(file, file.getFileName() + " is missing");
        }
    }
}
