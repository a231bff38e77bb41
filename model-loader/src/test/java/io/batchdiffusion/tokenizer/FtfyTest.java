package io.batchdiffusion.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Expected values are what ftfy.fix_text returns for the same input (checked against ftfy 6.3.1). */
class FtfyTest {

    @Test
    void entitiesAreKeptOnTheLineThatFirstLooksLikeHtmlAndAfterIt() {
        assertThat(Ftfy.fixText("&amp;\n<html>\n&amp;")).isEqualTo("&\n<html>\n&amp;");
        assertThat(Ftfy.fixText("a < b &amp; c")).isEqualTo("a < b &amp; c");
    }

    @Test
    void entitiesAreDecodedUntilNothingChanges() {
        assertThat(Ftfy.fixText("&amp;amp;")).isEqualTo("&");
        assertThat(Ftfy.fixText("&lt;b&gt; &lt;|endoftext|&gt;")).isEqualTo("<b> <|endoftext|>");
    }

    @Test
    void entitiesNeedTheirSemicolon() {
        assertThat(Ftfy.fixText("fish &amp chips")).isEqualTo("fish &amp chips");
    }

    @Test
    void numericReferencesDecodeOnlyWhenWhollyDigits() {
        assertThat(Ftfy.fixText("&#x41;&#65;&#x41g;&#12a;&#0;&#x110000;&#128512;"))
                .isEqualTo("AA&#x41g;&#12a;\uFFFD\uFFFD\uD83D\uDE00");
    }

    @Test
    void upperCasedNamesDecodeToUpperCase() {
        assertThat(Ftfy.fixText("P&EACUTE;REZ &eacute; BUNDESSTRA&SZLIG;E &nTILDE;"))
                .isEqualTo("P\u00C9REZ \u00E9 BUNDESSTRASSE &nTILDE;");
    }

    static Stream<Arguments> promptFixes() {
        return Stream.of(
                Arguments.of("ligatures", "\uFB01ne \uFB02u\uFB03 \u0149 \u01C6", "fine fluffi 'n d\u017E"),
                Arguments.of("width", "\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13\u3000x \uFF76\uFF9E", "ABC123 x \u30AC"),
                Arguments.of("quotes", "\u201Chere\u2019s\u201D", "\"here's\""),
                Arguments.of("C1 controls", "a\u0085b \u0080", "a\u2026b \u20AC"),
                Arguments.of("control characters", "a\u0000b\u0007c\u007Fd\uFEFFe\u206Af", "abcdef"),
                Arguments.of("lone surrogate", "x\uD83Dy", "x\uFFFDy"),
                Arguments.of("terminal escapes", "\u001B[36;44mblue\u001B[0m", "blue"),
                Arguments.of("NFC", "e\u0301", "\u00E9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptFixes")
    void fixesPromptText(String what, String input, String expected) {
        assertThat(Ftfy.fixText(input)).as(what).isEqualTo(expected);
    }

    @Test
    void lineBreaksBecomeLineFeeds() {
        assertThat(Ftfy.fixText("a\r\nb\rc\u2028d")).isEqualTo("a\nb\nc\nd");
    }
}
