package io.batchdiffusion.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a finished run produced: the figures of its console summary and of its manifest. */
public record RunSummary(
        String runId,
        String runRoot,
        long rows,
        long plannedThisAttempt,
        Map<String, Long> countsByStatus,
        double meanClipScore,
        long imagesRendered,
        long imagesReused,
        long renderCalls,
        long engineLoads,
        long oomRetries,
        long startedMillis,
        long finishedMillis,
        ModelDescriptor model,
        ModelDescriptor scorer) {

    static RunSummary of(
            Dataset<Row> results,
            JobOptions options,
            ModelDescriptor model,
            ModelDescriptor scorer,
            JobCounters counters,
            long planned,
            long started,
            long finished) {
        Map<String, Long> counts = RenderJob.countByStatus(results);
        Row mean = results.filter(col(JobSchemas.STATUS).equalTo(RenderStatus.OK.name()))
                .agg(avg(col(JobSchemas.CLIP_SCORE)))
                .first();
        long rows = counts.values().stream().mapToLong(Long::longValue).sum();
        return new RunSummary(
                options.runId(),
                options.runRoot(),
                rows,
                planned,
                counts,
                mean.isNullAt(0) ? Double.NaN : mean.getDouble(0),
                counters.imagesRendered().value(),
                counters.imagesReused().value(),
                counters.renderCalls().value(),
                counters.engineLoads().value(),
                counters.oomRetries().value(),
                started,
                finished,
                model,
                scorer);
    }

    public long failures() {
        return rows - countsByStatus.getOrDefault(RenderStatus.OK.name(), 0L);
    }

    public double wallSeconds() {
        return (finishedMillis - startedMillis) / 1000.0;
    }

    public double imagesPerSecond() {
        return wallSeconds() > 0 ? imagesRendered / wallSeconds() : 0;
    }

    /** Where things are, and the one-line summary. */
    public String describe() {
        return String.format(
                "images:  %s/images/%nresults: %s/results/ (Parquet)%nmanifest: %s/manifest.json%n"
                        + "summary: %d renders, %d failures %s, %.3f images/s (%d rendered, %d reused, %.1f s), mean CLIP score %s",
                runRoot,
                runRoot,
                runRoot,
                rows,
                failures(),
                countsByStatus,
                imagesPerSecond(),
                imagesRendered,
                imagesReused,
                wallSeconds(),
                Double.isNaN(meanClipScore) ? "n/a" : String.format("%.2f", meanClipScore));
    }
}
