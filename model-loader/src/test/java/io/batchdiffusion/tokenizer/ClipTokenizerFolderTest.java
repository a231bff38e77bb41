package io.batchdiffusion.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizer folders other than the fixture's: other pad tokens and lengths, tiny vocabularies, bad files. */
class ClipTokenizerFolderTest {

    private static final String DECODER = "\"added_tokens_decoder\": {"
            + "\"49406\": {\"content\": \"<|startoftext|>\", \"special\": true},"
            + "\"49407\": {\"content\": \"<|endoftext|>\", \"special\": true}}";

    @TempDir
    Path dir;

    @Test
    void padsWithThePadTokenTheConfigNames() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{" + DECODER + ", \"pad_token\": \"!\", \"model_max_length\": 8}");

        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir);
        TokenizedText encoded = tokenizer.encode("a cat");

        assertThat(tokenizer.padTokenId()).isZero();
        assertThat(tokenizer.modelMaxLength()).isEqualTo(8);
        assertThat(encoded.inputIds()).containsExactly(49406, 320, 2368, 49407, 0, 0, 0, 0);
        assertThat(encoded.attentionMask()).containsExactly(1, 1, 1, 1, 0, 0, 0, 0);
    }

    @Test
    void takesTheSpecialTokensMapOverALegacyConfigAsStableDiffusion2Does() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{\"pad_token\": \"<|endoftext|>\", \"model_max_length\": 77}");
        write("special_tokens_map.json", "{\"pad_token\": \"!\"}");

        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir);

        assertThat(tokenizer.padTokenId()).isZero();
        // The pad token is an added token, so every "!" in a prompt becomes it (diffusers issue 4153).
        assertThat(tokenizer.tokenize("! !! !!!")).containsExactly(49406, 0, 0, 0, 0, 0, 0, 49407);
        assertThat(tokenizer.encode("! !! !!!").inputIds())
                .containsExactly(IntStream.range(0, 77)
                        .map(i -> i == 0 ? 49406 : i == 7 ? 49407 : 0)
                        .toArray());
    }

    @Test
    void ignoresTheSpecialTokensMapWhenTheConfigListsItsAddedTokens() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{" + DECODER + ", \"pad_token\": \"<|endoftext|>\"}");
        write("special_tokens_map.json", "{\"pad_token\": \"!\"}");

        assertThat(ClipTokenizer.fromFolder(dir).padTokenId()).isEqualTo(49407);
    }

    @Test
    void readsAddedTokenObjectsWithTheirOptions() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{" + DECODER + ", \"pad_token\": {\"content\": \"!\", \"single_word\": true}}");

        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir);

        // A single_word token glued to a word is ordinary text; standing alone it is the token.
        assertThat(tokenizer.tokenize("hi! !")).containsExactly(49406, 1883, 256, 0, 49407);
    }

    @Test
    void mergesTheLowestRankedPairEverywhereLeftToRight() throws IOException {
        write(
                "vocab.json",
                "{\"a\": 0, \"a</w>\": 1, \"aa\": 2, \"aa</w>\": 3, \"<|startoftext|>\": 4, \"<|endoftext|>\": 5}");
        write("merges.txt", "#version: 0.2\na a\na a</w>\n");

        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir);

        assertThat(tokenizer.bpeTokens("aaa")).containsExactly("aa", "a</w>");
        assertThat(tokenizer.tokenize("aaaa")).containsExactly(4, 2, 3, 5);
        assertThat(tokenizer.modelMaxLength()).isEqualTo(77);
        assertThat(tokenizer.padTokenId()).isEqualTo(5);
        assertThat(tokenizer.tokenize("b")).as("unknown bytes map to unk").containsExactly(4, 5, 5);
    }

    @Test
    void namesAMissingVocabulary() throws IOException {
        write("merges.txt", "#version: 0.2\n");

        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("vocab.json")
                .hasMessageContaining("missing");
    }

    @Test
    void namesMissingMerges() throws IOException {
        write("vocab.json", "{\"a\": 0}");

        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("merges.txt")
                .hasMessageContaining("missing");
    }

    @Test
    void namesAMissingFolder() {
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir.resolve("nowhere")))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("nowhere");
    }

    @Test
    void namesTheLineOfABadMerge() throws IOException {
        write("vocab.json", "{\"a\": 0}");
        write("merges.txt", "#version: 0.2\na a\na b c\n");

        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("merges.txt")
                .hasMessageContaining("line 3");
    }

    @Test
    void refusesAPadTokenOutsideTheVocabulary() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{" + DECODER + ", \"pad_token\": \"<pad>\"}");

        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("<pad>")
                .hasMessageContaining("tokenizer_config.json");
    }

    @Test
    void refusesAnUnusableModelLength() throws IOException {
        copyClipVocabulary();
        write("tokenizer_config.json", "{\"model_max_length\": 1000000000000000019884624838656}");

        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("model_max_length");
    }

    private void copyClipVocabulary() throws IOException {
        Path source = Fixtures.tinySdA().resolve("tokenizer");
        Files.copy(source.resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.copy(source.resolve("merges.txt"), dir.resolve("merges.txt"));
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }
}
