package io.batchdiffusion.parity;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.tokenizer.TokenizedText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code tokenizer_cases.json}: every case's padded input ids and attention mask, exactly. */
final class TokenizerParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        Path file = fixture.goldens().resolve("tokenizer_cases.json");
        if (!Files.isRegularFile(file)) {
            report.note("no tokenizer_cases.json; tokenizer not checked");
            return;
        }
        JsonNode root;
        try {
            root = ConfigLoader.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(fixture.model().resolve("tokenizer"));
        int i = 0;
        for (JsonNode c : root.path("cases")) {
            TokenizedText t = tokenizer.encode(c.path("prompt").asText());
            int mismatches =
                    count(t.inputIds(), c.path("input_ids")) + count(t.attentionMask(), c.path("attention_mask"));
            report.add(new ParityReport.Line(
                    "tokenizer", "case " + i++ + " input_ids+mask (mismatched ids)", mismatches, 0));
        }
    }

    private static int count(int[] actual, JsonNode expected) {
        int mismatches = Math.abs(actual.length - expected.size());
        for (int i = 0; i < Math.min(actual.length, expected.size()); i++) {
            mismatches += actual[i] == expected.get(i).asInt() ? 0 : 1;
        }
        return mismatches;
    }
}
