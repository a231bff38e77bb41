package io.batchdiffusion.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the catalogues people already have into catalogue rows: PartiPrompts' TSV (keeping its
 * Category, Challenge and Note columns), plain text with one prompt per line, and JSON Lines with a
 * {@code prompt} field. A line that cannot be read is reported with its number and skipped; the rest
 * are kept.
 */
public final class CatalogueImport {

    /** The input formats, by the names the {@code import} command takes. */
    public enum Format {
        PARTI,
        TEXT,
        JSONL;

        public static Format parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown format '" + name + "': use parti, text or jsonl");
            }
        }
    }

    /** Imported rows plus one message per skipped line ("line 12: ..."). */
    public record Result(List<CatalogueRow> rows, List<String> problems) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private CatalogueImport() {}

    public static Result read(Format format, Reader input) {
        try (BufferedReader lines = new BufferedReader(input)) {
            return switch (format) {
                case PARTI -> partiPrompts(lines);
                case TEXT -> textLines(lines);
                case JSONL -> jsonLines(lines);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Result partiPrompts(BufferedReader in) throws IOException {
        List<CatalogueRow> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String header = in.readLine();
        if (header == null || !header.startsWith("Prompt\t")) {
            throw new IllegalArgumentException("not a PartiPrompts TSV: the header must start with 'Prompt<TAB>'");
        }
        String[] names = header.split("\t", -1);
        int lineNumber = 1;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != names.length || cells[0].isBlank()) {
                problems.add(
                        "line " + lineNumber + ": expected " + names.length + " tab-separated cells with a prompt");
                continue;
            }
            Map<String, String> extra = new LinkedHashMap<>();
            for (int i = 1; i < names.length; i++) {
                extra.put(names[i].toLowerCase(Locale.ROOT), cells[i]);
            }
            rows.add(CatalogueRow.of(String.format("parti-%04d", rows.size() + 1), cells[0])
                    .withExtra(extra));
        }
        return new Result(rows, problems);
    }

    private static Result textLines(BufferedReader in) throws IOException {
        List<CatalogueRow> rows = new ArrayList<>();
        int lineNumber = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            if (!line.isBlank()) {
                rows.add(CatalogueRow.of(String.format("line-%06d", lineNumber), line.strip()));
            }
        }
        return new Result(rows, List.of());
    }

    private static Result jsonLines(BufferedReader in) throws IOException {
        List<CatalogueRow> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int lineNumber = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                rows.add(jsonRow(JSON.readTree(line), lineNumber));
            } catch (JsonProcessingException e) {
                problems.add("line " + lineNumber + ": not JSON (" + e.getOriginalMessage() + ")");
            } catch (IllegalArgumentException e) {
                problems.add("line " + lineNumber + ": " + e.getMessage());
            }
        }
        return new Result(rows, problems);
    }

    private static CatalogueRow jsonRow(JsonNode node, int lineNumber) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode prompt = node.get(CatalogueColumns.PROMPT);
        if (prompt == null || !prompt.isTextual()) {
            throw new IllegalArgumentException("no string field 'prompt'");
        }
        Map<String, String> extra = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (!CatalogueColumns.KNOWN.containsKey(e.getKey()) && !e.getValue().isNull()) {
                extra.put(
                        e.getKey(),
                        e.getValue().isTextual()
                                ? e.getValue().textValue()
                                : e.getValue().toString());
            }
        });
        JsonNode id = node.get(CatalogueColumns.ID);
        return new CatalogueRow(
                id == null || id.isNull() ? String.format("line-%06d", lineNumber) : id.asText(),
                prompt.textValue(),
                text(node, CatalogueColumns.NEGATIVE_PROMPT),
                integer(node, CatalogueColumns.SEED),
                floating(node, CatalogueColumns.GUIDANCE_SCALE),
                toInt(integer(node, CatalogueColumns.NUM_INFERENCE_STEPS), CatalogueColumns.NUM_INFERENCE_STEPS),
                toInt(integer(node, CatalogueColumns.WIDTH), CatalogueColumns.WIDTH),
                toInt(integer(node, CatalogueColumns.HEIGHT), CatalogueColumns.HEIGHT),
                text(node, CatalogueColumns.SCHEDULER),
                extra);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, not " + v);
        }
        return v.textValue();
    }

    private static Long integer(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "' must be a 64-bit integer, not " + v);
        }
        return v.longValue();
    }

    private static Double floating(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be a number, not " + v);
        }
        return v.doubleValue();
    }

    private static Integer toInt(Long value, String field) {
        if (value == null) {
            return null;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("field '" + field + "' is out of the 32-bit range: " + value);
        }
        return value.intValue();
    }
}
