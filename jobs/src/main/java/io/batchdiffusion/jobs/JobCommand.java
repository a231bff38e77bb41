package io.batchdiffusion.jobs;

import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;

/**
 * The life of a submit/ command's driver: options are checked before Spark starts (a mistake exits
 * with status 2 and the reason), then one run, its summary printed, and whatever the command adds.
 */
final class JobCommand {

    private JobCommand() {}

    static void main(String[] args, Function<String[], JobOptions> parse, BiConsumer<SparkSession, RunSummary> then) {
        JobOptions options;
        try {
            options = parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession spark = Sessions.create("batch-diffusion " + options.runId());
        try {
            RunSummary summary = RenderJob.run(spark, options);
            System.out.println(summary.describe());
            then.accept(spark, summary);
        } finally {
            spark.stop();
        }
    }
}
