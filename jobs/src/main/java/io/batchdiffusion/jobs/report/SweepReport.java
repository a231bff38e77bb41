package io.batchdiffusion.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.batchdiffusion.datasets.CatalogueColumns;
import io.batchdiffusion.jobs.JobOptions;
import io.batchdiffusion.jobs.JobSchemas;
import io.batchdiffusion.jobs.RunSummary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Writes a run's report, {@code <run-root>/report/index.html}, with the chart and the contact sheets
 * beside it. The results table is small (one row per render, no pixels), so it is collected to the
 * driver once, here, and everything after that is plain Java; the rendered images are read back from
 * the image store.
 */
public final class SweepReport {

    static final String CATEGORY = "category";
    static final String INDEX = "index.html";
    static final String CHART = "chart.png";

    /** Prompts listed among the highest and among the lowest mean scores. */
    static final int EXTREMES = 3;

    private SweepReport() {}

    /** Writes the report of a finished run and returns the URI of its {@code index.html}. */
    public static String write(Dataset<Row> results, RunSummary summary, JobOptions options, Configuration hadoop) {
        return write(collect(results), summary, options, new ReportStore(options.runRoot(), hadoop));
    }

    static List<ReportRow> collect(Dataset<Row> results) {
        boolean categorised = List.of(results.columns()).contains(CATEGORY);
        Column category = categorised ? col(CATEGORY).cast("string") : lit(null).cast("string");
        List<Row> rows = results.select(
                        col(JobSchemas.ROW_ID),
                        col(CatalogueColumns.PROMPT),
                        category.as(CATEGORY),
                        col(CatalogueColumns.SEED),
                        col(CatalogueColumns.GUIDANCE_SCALE),
                        col(CatalogueColumns.NUM_INFERENCE_STEPS),
                        col(CatalogueColumns.SCHEDULER),
                        col(CatalogueColumns.WIDTH),
                        col(CatalogueColumns.HEIGHT),
                        col(JobSchemas.STATUS),
                        col(JobSchemas.ERROR),
                        col(JobSchemas.IMAGE_PATH),
                        col(JobSchemas.CLIP_SCORE))
                .collectAsList();
        List<ReportRow> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new ReportRow(
                    r.getString(0),
                    r.getString(1),
                    r.getString(2),
                    r.getLong(3),
                    r.getDouble(4),
                    r.getInt(5),
                    r.getString(6),
                    r.getInt(7),
                    r.getInt(8),
                    r.getString(9),
                    r.getString(10),
                    r.getString(11),
                    r.isNullAt(12) ? null : r.getFloat(12)));
        }
        return out;
    }

    static String write(List<ReportRow> rows, RunSummary summary, JobOptions options, ReportStore store) {
        store.clear();
        List<PromptSheet> sheets = PromptSheet.group(rows);
        Map<String, int[]> sizes = new ConcurrentHashMap<>();
        // Sheets are independent; reading their images in parallel hides the object store's latency.
        sheets.parallelStream().forEach(sheet -> {
            var image = ContactSheet.draw(sheet, store::readImage);
            store.writePng(sheet.fileName(), image);
            sizes.put(sheet.fileName(), new int[] {image.getWidth(), image.getHeight()});
        });

        var curves = ScoreCurves.of(rows);
        String chart = null;
        if (ScoreCurves.drawable(curves)) {
            store.write(CHART, ScoreChart.png(curves));
            chart = CHART;
        }
        List<PromptSheet> ranked = sheets.stream()
                .filter(s -> s.meanScore().isPresent())
                .sorted(Comparator.comparingDouble(
                                (PromptSheet s) -> -s.meanScore().getAsDouble())
                        .thenComparing(PromptSheet::rowId))
                .toList();
        int lowCount = Math.min(EXTREMES, ranked.size() / 2);
        int highCount = ranked.size() == 1 ? 1 : lowCount;
        List<PromptSheet> lowest = new ArrayList<>(ranked.subList(ranked.size() - lowCount, ranked.size()));
        java.util.Collections.reverse(lowest);

        ReportPage.Content content = new ReportPage.Content(
                summary.runId(),
                ReportFacts.of(summary, options, rows, store.modelScheduler(options.model())),
                summary.countsByStatus(),
                curves,
                chart,
                ranked.subList(0, highCount),
                lowest,
                sheets,
                sizes,
                rows.stream()
                        .filter(r -> !r.ok())
                        .sorted(Comparator.comparing(ReportRow::rowId)
                                .thenComparingLong(ReportRow::seed)
                                .thenComparingDouble(ReportRow::guidance))
                        .toList());
        // The page goes last: once it is there, everything it links to is.
        store.write(INDEX, ReportPage.html(content).getBytes(StandardCharsets.UTF_8));
        return store.uriOf(INDEX);
    }
}
