package io.batchdiffusion.jobs.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * CLIP score statistics per guidance scale: one curve over every prompt and, when the catalogue has
 * categories, one per category. When the run also varies scheduler or steps, each combination gets
 * its own curves, since their scores do not pool.
 */
final class ScoreCurves {

    static final String ALL = "all prompts";

    private ScoreCurves() {}

    /** Curve name → guidance scale → statistics; only successful, scored renders at finite guidance count. */
    static Map<String, SortedMap<Double, ScoreStats>> of(List<ReportRow> rows) {
        List<ReportRow> scored = rows.stream()
                .filter(r -> r.score() != null && Double.isFinite(r.guidance()))
                .toList();
        boolean manySchedulers =
                scored.stream().map(ReportRow::scheduler).distinct().count() > 1;
        boolean manySteps = scored.stream().map(ReportRow::steps).distinct().count() > 1;
        Map<String, Map<Double, List<Double>>> grouped = new TreeMap<>();
        for (ReportRow row : scored) {
            String variant =
                    (manySchedulers ? " · " + row.scheduler() : "") + (manySteps ? " · " + row.steps() + " steps" : "");
            add(grouped, ALL + variant, row);
            if (row.category() != null) {
                add(grouped, row.category() + variant, row);
            }
        }
        Map<String, SortedMap<Double, ScoreStats>> curves = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(grouped.keySet());
        names.sort(
                Comparator.comparing((String name) -> !name.startsWith(ALL)).thenComparing(Comparator.naturalOrder()));
        for (String name : names) {
            SortedMap<Double, ScoreStats> curve = new TreeMap<>();
            grouped.get(name).forEach((guidance, scores) -> curve.put(guidance, ScoreStats.of(scores)));
            curves.put(name, curve);
        }
        return curves;
    }

    private static void add(Map<String, Map<Double, List<Double>>> grouped, String curve, ReportRow row) {
        grouped.computeIfAbsent(curve, k -> new TreeMap<>())
                .computeIfAbsent(row.guidance(), k -> new ArrayList<>())
                .add(Objects.requireNonNull(row.score()));
    }

    /** A chart needs at least two guidance scales on some curve; one scale is a table, not a curve. */
    static boolean drawable(Map<String, SortedMap<Double, ScoreStats>> curves) {
        return curves.values().stream().anyMatch(c -> c.size() > 1);
    }
}
