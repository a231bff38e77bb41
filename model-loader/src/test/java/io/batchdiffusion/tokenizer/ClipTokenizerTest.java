package io.batchdiffusion.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parity with transformers' slow CLIPTokenizer (with ftfy) on the tiny-sd-a goldens. */
class ClipTokenizerTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        long start = System.nanoTime();
        tokenizer = ClipTokenizer.fromFolder(Fixtures.tinySdA().resolve("tokenizer"));
        System.out.printf("tokenizer loaded in %.1f ms%n", (System.nanoTime() - start) / 1e6);
    }

    static Stream<Arguments> goldenCases() throws IOException {
        JsonNode cases = new ObjectMapper()
                .readTree(Fixtures.goldens().resolve("tokenizer_cases.json").toFile())
                .get("cases");
        return StreamSupport.stream(cases.spliterator(), false)
                .map(c -> Arguments.of(c.get("prompt").asText(), c));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("goldenCases")
    void encodesEachGoldenPromptAsStableDiffusionDoes(String prompt, JsonNode golden) {
        TokenizedText encoded = tokenizer.encode(prompt);

        assertThat(encoded.inputIds()).containsExactly(ints(golden.get("input_ids")));
        assertThat(encoded.attentionMask()).containsExactly(ints(golden.get("attention_mask")));
        assertThat(encoded.untruncatedLength())
                .isEqualTo(golden.get("num_untruncated_tokens").asInt());
        assertThat(encoded.truncated()).isEqualTo(golden.get("truncated").asBoolean());
        assertThat(tokenizer.tokenize(prompt)).containsExactly(ints(golden.get("untruncated_ids")));
        List<String> bpe = new ArrayList<>();
        bpe.add("<|startoftext|>");
        bpe.addAll(tokenizer.bpeTokens(prompt));
        bpe.add("<|endoftext|>");
        assertThat(bpe).containsExactlyElementsOf(strings(golden.get("bpe_tokens")));
    }

    @Test
    void reportsTheSpecialTokensAndLengthOfTheConfig() {
        assertThat(tokenizer.modelMaxLength()).isEqualTo(77);
        assertThat(tokenizer.bosTokenId()).isEqualTo(49406);
        assertThat(tokenizer.eosTokenId()).isEqualTo(49407);
        assertThat(tokenizer.padTokenId()).isEqualTo(49407);
    }

    @Test
    void padsABatchToItsLongestTextAsClipProcessorDoes() {
        ClipTokenizer scorer = ClipTokenizer.fromFolder(Fixtures.tinySdA().resolve("clip-scorer"));
        SafeTensorsFile golden = Fixtures.golden("clip_score.safetensors");

        List<TokenizedText> batch =
                scorer.encodePaddedToLongest(List.of("a photo of a cat", "an astronaut riding a horse on mars"));

        long[][] ids = int64Rows(golden, "input_ids");
        long[][] mask = int64Rows(golden, "attention_mask");
        assertThat(batch).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(asLongs(batch.get(i).inputIds()))
                    .as("input_ids row %d", i)
                    .containsExactly(ids[i]);
            assertThat(asLongs(batch.get(i).attentionMask()))
                    .as("mask row %d", i)
                    .containsExactly(mask[i]);
        }
    }

    @Test
    void truncatesABatchAtTheModelLength() {
        String longText = "word ".repeat(100);
        List<TokenizedText> batch = tokenizer.encodePaddedToLongest(List.of("a cat", longText));

        assertThat(batch.get(0).inputIds()).hasSize(77);
        assertThat(batch.get(0).attentionMask())
                .containsExactly(IntStream.range(0, 77).map(i -> i < 4 ? 1 : 0).toArray());
        assertThat(batch.get(1).truncated()).isTrue();
        assertThat(batch.get(1).untruncatedLength()).isEqualTo(102);
        assertThat(batch.get(1).inputIds()[76]).isEqualTo(49407);
        assertThat(tokenizer.encodePaddedToLongest(List.of())).isEmpty();
    }

    @Test
    void encodesToAShorterLengthKeepingEosLast() {
        TokenizedText encoded = tokenizer.encode("a photo of a cat", 5);

        assertThat(encoded.inputIds()).containsExactly(49406, 320, 1125, 539, 49407);
        assertThat(encoded.attentionMask()).containsExactly(1, 1, 1, 1, 1);
        assertThat(encoded.truncated()).isTrue();
        assertThat(encoded.untruncatedLength()).isEqualTo(7);
        assertThatThrownBy(() -> tokenizer.encode("x", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsSpecialTokensThatOnlyAppearAfterCleanUp() {
        // Neither is an added token in the raw text, but the split pattern matches both once the text is
        // lower-cased or unescaped, and the BPE cache maps them to themselves.
        assertThat(tokenizer.tokenize("<|ENDOFTEXT|>")).containsExactly(49406, 49407, 49407);
        assertThat(tokenizer.tokenize("&lt;|startoftext|&gt;")).containsExactly(49406, 49406, 49407);
    }

    @Test
    void leavesEntitiesAloneInTextThatLooksLikeHtml() {
        // ftfy does not unescape a line that contains '<' (ids from the reference tokenizer).
        assertThat(tokenizer.tokenize("<|ENDOFTEXT|> &lt;|startoftext|&gt;"))
                .containsExactly(49406, 49407, 261, 3333, 26, 347, 993, 6659, 4160, 91, 261, 4725, 282, 49407);
    }

    @Test
    void turnsLoneSurrogatesIntoReplacementCharacters() {
        assertThat(tokenizer.tokenize("cat \uD83D dog")).containsExactly(49406, 2368, 39802, 1929, 49407);
        assertThat(tokenizer.tokenize("cat \uDE00 dog")).containsExactly(49406, 2368, 39802, 1929, 49407);
    }

    @Test
    void encodesQuickly() {
        String prompt = "an astronaut riding a horse on mars, highly detailed, 4k, trending on artstation";
        tokenizer.encode(prompt);
        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            tokenizer.encode(prompt + " " + i);
        }
        double micros = (System.nanoTime() - start) / 1e3 / 1000;
        System.out.printf("encode: %.1f us per prompt%n", micros);
        assertThat(micros).as("microseconds per prompt").isLessThan(10_000);

        long longStart = System.nanoTime();
        int[] ids = tokenizer.tokenize("a".repeat(5000) + " " + "!".repeat(5000));
        System.out.printf("two 5000-character words: %.1f ms%n", (System.nanoTime() - longStart) / 1e6);
        assertThat(ids.length).isGreaterThan(2);
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .mapToInt(JsonNode::asInt)
                .toArray();
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    private static long[] asLongs(int[] values) {
        return IntStream.of(values).asLongStream().toArray();
    }

    private static long[][] int64Rows(SafeTensorsFile file, String name) {
        long[] shape = file.info(name).shape();
        ByteBuffer bytes = file.bytes(name).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long[][] rows = new long[(int) shape[0]][(int) shape[1]];
        for (long[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                row[j] = bytes.getLong();
            }
        }
        return rows;
    }
}
