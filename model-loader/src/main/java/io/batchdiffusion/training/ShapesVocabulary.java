package io.batchdiffusion.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A CLIP tokenizer cut down to the caption words: the 512 byte-level symbols, the merges CLIP's own BPE
 * applies to those words (in CLIP's rank order) and the two special tokens, laid out as CLIP's vocabulary
 * is. The words tokenize exactly as with the full tokenizer (a merge subset that contains every merge a
 * word uses reproduces that word's merges), other text falls back to byte symbols, and the embedding
 * table has ~600 rows instead of 49408.
 */
final class ShapesVocabulary {

    static final String START = "<|startoftext|>";
    static final String END = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";

    private final Map<String, Integer> vocab;
    private final List<String[]> merges;

    private ShapesVocabulary(Map<String, Integer> vocab, List<String[]> merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    /** Builds the vocabulary of {@code words} from a full CLIP {@code merges.txt}. */
    static ShapesVocabulary build(Path fullMerges, List<String> words) {
        Map<String, Integer> ranks = new HashMap<>();
        List<String[]> all = readMerges(fullMerges);
        for (int r = 0; r < all.size(); r++) {
            ranks.putIfAbsent(all.get(r)[0] + " " + all.get(r)[1], r);
        }
        TreeMap<Integer, String[]> used = new TreeMap<>();
        for (String word : words) {
            bpe(toByteChars(word), ranks, (rank, pair) -> used.put(rank, pair));
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        char[] byteChars = byteChars();
        for (char c : byteChars) {
            vocab.put(String.valueOf(c), vocab.size());
        }
        for (char c : byteChars) {
            vocab.put(c + END_OF_WORD, vocab.size());
        }
        for (String[] pair : used.values()) {
            vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
        }
        vocab.put(START, vocab.size());
        vocab.put(END, vocab.size());
        return new ShapesVocabulary(vocab, new ArrayList<>(used.values()));
    }

    int size() {
        return vocab.size();
    }

    int id(String token) {
        return vocab.get(token);
    }

    /**
     * Writes {@code vocab.json}, {@code merges.txt}, {@code special_tokens_map.json} and a {@code
     * tokenizer_config.json} made from {@code referenceConfig} with this vocabulary's special token ids and
     * {@code maxLength}.
     */
    void write(Path folder, Path referenceFolder, int maxLength) {
        ObjectMapper json = new ObjectMapper();
        try {
            Files.createDirectories(folder);
            json.writerWithDefaultPrettyPrinter()
                    .writeValue(folder.resolve("vocab.json").toFile(), vocab);
            StringBuilder text = new StringBuilder("#version: 0.2\n");
            merges.forEach(
                    pair -> text.append(pair[0]).append(' ').append(pair[1]).append('\n'));
            Files.writeString(folder.resolve("merges.txt"), text, StandardCharsets.UTF_8);
            Files.copy(
                    referenceFolder.resolve("special_tokens_map.json"),
                    folder.resolve("special_tokens_map.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            ObjectNode config = (ObjectNode) json.readTree(
                    referenceFolder.resolve("tokenizer_config.json").toFile());
            ObjectNode decoder = config.putObject("added_tokens_decoder");
            JsonNode reference = json.readTree(
                            referenceFolder.resolve("tokenizer_config.json").toFile())
                    .path("added_tokens_decoder");
            reference.fields().forEachRemaining(e -> {
                String content = e.getValue().path("content").asText();
                decoder.set(Integer.toString(vocab.get(content)), e.getValue());
            });
            config.put("model_max_length", maxLength);
            json.writerWithDefaultPrettyPrinter()
                    .writeValue(folder.resolve("tokenizer_config.json").toFile(), config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tokenizer to " + folder, e);
        }
    }

    private interface MergeSink {
        void used(int rank, String[] pair);
    }

    /** CLIP's BPE of one word: merge the lowest-ranked adjacent pair everywhere until none ranks. */
    private static void bpe(String word, Map<String, Integer> ranks, MergeSink sink) {
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) {
            symbols.add(i < word.length() - 1 ? String.valueOf(word.charAt(i)) : word.charAt(i) + END_OF_WORD);
        }
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String[] best = null;
            for (int i = 0; i < symbols.size() - 1; i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = new String[] {symbols.get(i), symbols.get(i + 1)};
                }
            }
            if (best == null) {
                return;
            }
            sink.used(bestRank, best);
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < symbols.size(); i++) {
                if (i < symbols.size() - 1
                        && symbols.get(i).equals(best[0])
                        && symbols.get(i + 1).equals(best[1])) {
                    merged.add(best[0] + best[1]);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols = merged;
        }
    }

    private static List<String[]> readMerges(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String[]> pairs = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2) {
                    pairs.add(parts);
                }
            }
            return pairs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** GPT-2's {@code bytes_to_unicode} values in CLIP's vocabulary order: printable bytes first. */
    private static char[] byteChars() {
        char[] out = new char[256];
        int n = 0;
        int extra = 256;
        char[] byByte = new char[256];
        for (int b = 0; b < 256; b++) {
            byByte[b] = printable(b) ? (char) b : (char) extra++;
        }
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                out[n++] = byByte[b];
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!printable(b)) {
                out[n++] = byByte[b];
            }
        }
        return out;
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The word's UTF-8 bytes as their printable stand-ins. */
    private static String toByteChars(String word) {
        char[] byByte = new char[256];
        int extra = 256;
        for (int b = 0; b < 256; b++) {
            byByte[b] = printable(b) ? (char) b : (char) extra++;
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            sb.append(byByte[b & 0xFF]);
        }
        return sb.toString();
    }
}
