package io.batchdiffusion.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.stddev_samp;

import io.batchdiffusion.datasets.CatalogueColumns;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The sweep's summary table: mean CLIP score (with sample standard deviation and count) per guidance
 * scale, overall ({@code category = "all"}) and per catalogue category when the catalogue has a
 * {@code category} column. Written beside the results as {@code summary/}.
 */
final class SweepSummary {

    static final String CATEGORY = "category";

    private SweepSummary() {}

    static Dataset<Row> compute(Dataset<Row> results) {
        Dataset<Row> ok = results.filter(col(JobSchemas.STATUS).equalTo(RenderStatus.OK.name()));
        Dataset<Row> overall = aggregate(ok.withColumn("_category", lit("all")));
        if (!List.of(results.columns()).contains(CATEGORY)) {
            return overall;
        }
        Dataset<Row> perCategory =
                aggregate(ok.withColumn("_category", col(CATEGORY).cast("string")));
        return overall.unionByName(perCategory);
    }

    private static Dataset<Row> aggregate(Dataset<Row> rows) {
        return rows.groupBy(col("_category").as(CATEGORY), col(CatalogueColumns.SCHEDULER), col("guidance_scale"))
                .agg(
                        count(lit(1)).as("renders"),
                        avg(col(JobSchemas.CLIP_SCORE)).as("mean_clip_score"),
                        stddev_samp(col(JobSchemas.CLIP_SCORE)).as("stddev_clip_score"))
                .orderBy(col(CATEGORY), col(CatalogueColumns.SCHEDULER), col("guidance_scale"));
    }

    static void write(Dataset<Row> results, JobOptions options) {
        compute(results).coalesce(1).write().mode(SaveMode.Overwrite).parquet(options.runRoot() + "/summary");
    }
}
