package io.batchdiffusion.jobs.report;

import io.batchdiffusion.jobs.JobOptions;
import io.batchdiffusion.jobs.RunSummary;
import io.batchdiffusion.jobs.SweepSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** The run's facts as label/value pairs, from the run summary (the manifest's figures) and the rows. */
final class ReportFacts {

    record Fact(String label, String value, boolean code) {}

    private ReportFacts() {}

    static List<Fact> of(RunSummary summary, JobOptions options, List<ReportRow> rows, String modelScheduler) {
        List<Fact> facts = new ArrayList<>();
        facts.add(new Fact("Run", summary.runId(), true));
        facts.add(new Fact("Model", summary.model().uri(), true));
        facts.add(new Fact("Model fingerprint", summary.model().fingerprint(), true));
        if (summary.scorer() != null) {
            facts.add(new Fact(
                    "CLIP scorer",
                    summary.scorer().uri() + " (" + summary.scorer().shortHash() + ")",
                    true));
        }
        facts.add(new Fact(
                "Scheduler",
                distinct(rows.stream()
                        .map(r -> r.scheduler() == null ? modelScheduler + " (model default)" : r.scheduler())
                        .toList()),
                false));
        facts.add(new Fact("Steps", distinct(rows.stream().map(ReportRow::steps).toList()), false));
        List<ReportRow> sized = rows.stream().anyMatch(ReportRow::ok)
                ? rows.stream().filter(ReportRow::ok).toList()
                : rows;
        facts.add(new Fact(
                "Size",
                distinct(sized.stream().map(r -> r.width() + "×" + r.height()).toList()),
                false));
        facts.add(new Fact("Sweep", describe(options.sweep()), false));
        facts.add(new Fact("Renders", Long.toString(summary.rows()), false));
        facts.add(new Fact(
                "Wall time",
                String.format(
                        Locale.ROOT,
                        "%.1f s (%s to %s)",
                        summary.wallSeconds(),
                        Instant.ofEpochMilli(summary.startedMillis()),
                        Instant.ofEpochMilli(summary.finishedMillis())),
                false));
        facts.add(new Fact(
                "Images per second",
                String.format(
                        Locale.ROOT,
                        "%.3f (%d rendered, %d reused from an earlier attempt)",
                        summary.imagesPerSecond(),
                        summary.imagesRendered(),
                        summary.imagesReused()),
                false));
        facts.add(new Fact(
                "Mean CLIP score",
                Double.isNaN(summary.meanClipScore())
                        ? "n/a"
                        : String.format(Locale.ROOT, "%.2f", summary.meanClipScore()),
                false));
        return facts;
    }

    static String describe(SweepSpec sweep) {
        if (sweep.isEmpty()) {
            return "none: one render per catalogue row";
        }
        List<String> parts = new ArrayList<>();
        if (!sweep.seeds().isEmpty()) {
            parts.add("seeds " + join(sweep.seeds()));
        }
        if (!sweep.guidance().isEmpty()) {
            parts.add("guidance "
                    + join(sweep.guidance().stream().map(ContactSheet::number).toList()));
        }
        if (!sweep.steps().isEmpty()) {
            parts.add("steps " + join(sweep.steps()));
        }
        if (!sweep.schedulers().isEmpty()) {
            parts.add("schedulers " + join(sweep.schedulers()));
        }
        return String.join(" × ", parts) + " (" + sweep.pointsPerRow() + " renders per row)";
    }

    private static String distinct(List<?> values) {
        return join(values.stream().filter(Objects::nonNull).distinct().sorted().toList());
    }

    private static String join(List<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
