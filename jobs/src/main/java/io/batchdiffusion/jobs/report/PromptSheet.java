package io.batchdiffusion.jobs.report;

import io.batchdiffusion.jobs.RenderKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The renders of one catalogue row at one scheduler and step count: one contact sheet, seeds as rows
 * and guidance scales as columns. A plain render run gives sheets of one image.
 */
record PromptSheet(String rowId, String prompt, String category, String scheduler, int steps, List<ReportRow> renders) {

    PromptSheet {
        renders = List.copyOf(renders);
    }

    /** Groups rows into sheets, ordered by category (uncategorised last), row id, scheduler and steps. */
    static List<PromptSheet> group(List<ReportRow> rows) {
        Map<List<Object>, List<ReportRow>> byKey = new LinkedHashMap<>();
        for (ReportRow row : rows) {
            List<Object> key = java.util.Arrays.asList(row.rowId(), row.scheduler(), row.steps());
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        }
        List<PromptSheet> sheets = new ArrayList<>();
        byKey.values().forEach(renders -> {
            ReportRow first = renders.get(0);
            sheets.add(new PromptSheet(
                    first.rowId(), first.prompt(), first.category(), first.scheduler(), first.steps(), renders));
        });
        sheets.sort(Comparator.comparing(PromptSheet::category, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(PromptSheet::rowId)
                .thenComparing(PromptSheet::scheduler, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparingInt(PromptSheet::steps));
        return sheets;
    }

    List<Long> seeds() {
        return renders.stream().map(ReportRow::seed).distinct().sorted().toList();
    }

    /** Guidance scales in ascending order; NaN (an invalid row's value) sorts last. */
    List<Double> guidanceScales() {
        return renders.stream()
                .map(ReportRow::guidance)
                .distinct()
                .sorted(Double::compare)
                .toList();
    }

    /** The render at one grid cell, or {@code null} when the run has none there. */
    ReportRow at(long seed, double guidance) {
        return renders.stream()
                .filter(r -> r.seed() == seed && Double.compare(r.guidance(), guidance) == 0)
                .findFirst()
                .orElse(null);
    }

    OptionalDouble meanScore() {
        return renders.stream()
                .map(ReportRow::score)
                .filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue)
                .average();
    }

    long failures() {
        return renders.stream().filter(r -> !r.ok()).count();
    }

    /** A file name that is safe on any store and unique per sheet, whatever the row id holds. */
    String fileName() {
        String readable = rowId.replaceAll("[^A-Za-z0-9._-]+", "_");
        readable = readable.substring(0, Math.min(40, readable.length()));
        String hash = RenderKeys.sha256Hex(rowId + "\u0000" + scheduler + "\u0000" + steps)
                .substring(0, 8);
        return "sheets/" + readable + "-" + hash + ".png";
    }
}
