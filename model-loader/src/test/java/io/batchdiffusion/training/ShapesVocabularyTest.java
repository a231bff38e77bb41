package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesVocabularyTest {

    @TempDir
    Path tmp;

    @Test
    void captionsTokenizeToTheSameTokensAsWithCLIPsFullVocabulary() throws Exception {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            assertThat(t.vocabulary.size()).isBetween(520, 700);
            ClipTokenizer full = ClipTokenizer.fromFolder(TinyTraining.reference());
            Map<Integer, String> fullTokens = inverse(TinyTraining.reference().resolve("vocab.json"));
            Map<Integer, String> ourTokens = inverse(tmp.resolve("tokenizer/vocab.json"));
            List<String> captions = new ArrayList<>();
            ShapesDataset.train(99).scenes(0, 300).forEach(s -> captions.add(s.caption()));
            ShapesDataset.heldOut(99).scenes(0, 100).forEach(s -> captions.add(s.caption()));
            captions.add("");
            for (String caption : captions) {
                assertThat(strings(t.tokenizer.tokenize(caption), ourTokens))
                        .as(caption)
                        .isEqualTo(strings(full.tokenize(caption), fullTokens));
            }
            assertThat(t.tokenizer.modelMaxLength()).isEqualTo(32);
            assertThat(t.tokenizer.eosTokenId()).isEqualTo(t.vocabulary.size() - 1);
            // a word the captions never use still tokenizes, into byte-level pieces
            assertThat(t.tokenizer.tokenize("a zebra")).hasSizeGreaterThan(4);
        }
    }

    private static Map<Integer, String> inverse(Path vocabJson) throws Exception {
        Map<String, Integer> vocab = new ObjectMapper()
                .readValue(
                        vocabJson.toFile(),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Integer>>() {});
        Map<Integer, String> inverse = new HashMap<>();
        vocab.forEach((token, id) -> inverse.put(id, token));
        return inverse;
    }

    private static List<String> strings(int[] ids, Map<Integer, String> tokens) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(tokens.get(id));
        }
        return out;
    }
}
