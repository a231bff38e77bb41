package io.batchdiffusion.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptPolicyTest {

    @Test
    void everyBidirectionalOverrideEmbeddingAndIsolateIsRejectedWithItsPosition() {
        for (char c : "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069".toCharArray()) {
            assertThat(PromptPolicy.problem("prompt", "ab" + c + "cd", true))
                    .contains(
                            String.format("prompt contains the bidirectional control U+%04X at character 2", (int) c));
        }
    }

    @Test
    void invisibleCharactersAreStrippedAndJoinersAndMarksKept() {
        assertThat(PromptPolicy.clean("a\u200B b\u2060c\uFEFF")).isEqualTo("a bc");
        String hidden = new StringBuilder("a cat")
                .appendCodePoint(0xE0069)
                .appendCodePoint(0xE0067)
                .appendCodePoint(0xE007F)
                .toString();
        assertThat(PromptPolicy.clean(hidden)).isEqualTo("a cat");
        String kept = "\u0627\u200F\u0644 \uD83D\uDC68\u200D\uD83D\uDC69 ab\u200Ccd";
        assertThat(PromptPolicy.clean(kept)).isEqualTo(kept);
        assertThat(PromptPolicy.problem("prompt", kept, true)).isEmpty();
    }

    @Test
    void promptsThatAreEmptyOnceCleanedOrNotUtf8AreRejected() {
        assertThat(PromptPolicy.problem("prompt", null, true)).contains("prompt is null");
        assertThat(PromptPolicy.problem("prompt", "\u200B\uFEFF \t", true)).contains("prompt is empty or whitespace");
        assertThat(PromptPolicy.problem("prompt", "a cat", false)).contains("prompt is not valid UTF-8");
        assertThat(PromptPolicy.problem("negative_prompt", null, true)).isEmpty();
        assertThat(PromptPolicy.problem("negative_prompt", "", true))
                .as("an empty negative prompt is fine")
                .isEmpty();
    }
}
