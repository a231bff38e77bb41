package io.batchdiffusion.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected values are Python's str.lower() of the same strings. */
class PythonLowercaseTest {

    @Test
    void lowerCasesCapitalSigmaToTheFinalFormAtTheEndOfAWord() {
        assertThat(PythonLowercase.lower("\u039F\u03A3\u00B2")).isEqualTo("\u03BF\u03C2\u00B2");
        assertThat(PythonLowercase.lower("\u039F\u03A3\u0301")).isEqualTo("\u03BF\u03C2\u0301");
        assertThat(PythonLowercase.lower("A\u03A3. b")).isEqualTo("a\u03C2. b");
    }

    @Test
    void lowerCasesCapitalSigmaToTheMedialFormElsewhere() {
        assertThat(PythonLowercase.lower("\u039F\u03A3\u0391")).isEqualTo("\u03BF\u03C3\u03B1");
        assertThat(PythonLowercase.lower("\u03A3")).isEqualTo("\u03C3");
        assertThat(PythonLowercase.lower("A\u03A3.b")).isEqualTo("a\u03C3.b");
    }

    @Test
    void lowerCasesDottedCapitalIToIAndACombiningDot() {
        assertThat(PythonLowercase.lower("\u0130stanbul")).isEqualTo("i\u0307stanbul");
    }
}
