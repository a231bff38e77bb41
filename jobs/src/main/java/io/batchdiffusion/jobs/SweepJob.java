package io.batchdiffusion.jobs;

import org.apache.spark.sql.SparkSession;

/**
 * {@code submit/sweep}: the render job over a sweep of seeds, guidance scales, steps or schedulers,
 * with its summary table (mean CLIP score by guidance scale, overall and per catalogue category)
 * written beside the results as {@code summary/} and printed. Takes the render job's options; at least
 * one sweep flag is required.
 */
public final class SweepJob {

    private SweepJob() {}

    public static void main(String[] args) {
        JobCommand.main(args, SweepJob::options, SweepJob::printSummary);
    }

    static JobOptions options(String... args) {
        JobOptions options = JobOptions.parse(args);
        if (options.sweep().isEmpty()) {
            throw new IllegalArgumentException(
                    "a sweep needs at least one of --seeds, --guidance, --steps, --schedulers (e.g. --seeds 0-3 --guidance 1.5,3,5,7.5)");
        }
        return options;
    }

    private static void printSummary(SparkSession spark, RunSummary summary) {
        String table = summary.runRoot() + "/summary";
        System.out.println("sweep summary: " + table + "/ (Parquet)");
        spark.read().parquet(table).show(1000, false);
    }
}
