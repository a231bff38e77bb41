package io.batchdiffusion.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.batchdiffusion.datasets.CatalogueColumns;
import io.batchdiffusion.jobs.report.SweepReport;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.reflect.ClassTag$;

/**
 * The render job: catalogue in, images, a results table and a manifest out.
 *
 * <pre>
 * spark-submit --class io.batchdiffusion.jobs.RenderJob jobs.jar \
 *   --catalogue s3a://bucket/prompts.parquet --output s3a://bucket/renders --model s3a://bucket/models/sd15 \
 *   [--run-id ID] [--seeds 0-3] [--guidance 1.5,3,5,7.5] [--steps 20] [--schedulers ddim,euler] ...
 * </pre>
 *
 * <p>The driver validates the options and the catalogue's schema, describes the model (sha256 of every
 * file), plans one task per row and sweep point, and lets executors render; then it writes the results
 * table through Spark's committer and, last, {@code manifest.json}.
 */
public final class RenderJob {

    /** Spark settings read by the job (all optional). */
    static final String CONF_ENGINE_FACTORY = "spark.batchdiffusion.engineFactory";

    static final String CONF_TASK_HOOKS = "spark.batchdiffusion.taskHooks";
    static final String CONF_MODEL_CACHE = "spark.batchdiffusion.modelCache";

    private RenderJob() {}

    public static void main(String[] args) {
        JobOptions options;
        try {
            options = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession spark = Sessions.create("batch-diffusion " + options.runId());
        try {
            RunSummary summary = run(spark, options);
            System.out.println(summary.describe());
        } finally {
            spark.stop();
        }
    }

    /** Runs one render job on {@code spark}; returns what was written. */
    public static RunSummary run(SparkSession spark, JobOptions options) {
        long started = System.currentTimeMillis();
        Sessions.extendRedaction(spark);
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        RunLock lock = RunLock.acquire(options.runRoot(), hadoop);
        try {
            return runLocked(spark, options, hadoop, started, lock);
        } finally {
            lock.release();
        }
    }

    private static RunSummary runLocked(
            SparkSession spark, JobOptions options, Configuration hadoop, long started, RunLock lock) {
        Dataset<Row> catalogue = spark.read().parquet(options.catalogue());
        JobSchemas.validateCatalogue(catalogue.schema(), options.catalogue());
        ModelDescriptor model = ModelFiles.describeDiffusers(options.model(), hadoop);
        ModelDescriptor scorer = ModelFiles.describeScorer(options.scorer(), options.model(), hadoop);

        List<StructField> passthrough = JobSchemas.passthrough(catalogue.schema());
        StructType taskSchema = JobSchemas.tasks(passthrough);
        StructType resultSchema = JobSchemas.results(passthrough, options.embedImages());
        Dataset<Row> tasks = withUtf8Checks(catalogue)
                .flatMap(
                        new TaskPlanner(
                                passthrough.stream().map(StructField::name).toList(),
                                options.defaults(),
                                options.sweep(),
                                model.fingerprint()),
                        Encoders.row(taskSchema))
                .dropDuplicates(JobSchemas.KEY);

        Dataset<Row> carried = null;
        if (options.resume()) {
            carried = Resume.previousResults(spark, options, hadoop, resultSchema);
            if (carried != null) {
                tasks = tasks.join(
                        carried.select(JobSchemas.KEY),
                        tasks.col(JobSchemas.KEY).equalTo(carried.col(JobSchemas.KEY)),
                        "left_anti");
            }
        }
        tasks = Checkpoints.local(tasks);
        long taskCount = tasks.count();
        int partitions = options.partitions() > 0
                ? options.partitions()
                : (int) Math.max(
                        1,
                        Math.min(
                                (taskCount + options.batchSize() - 1) / options.batchSize(),
                                spark.sparkContext().defaultParallelism() * 4L));

        JobCounters counters = JobCounters.register(spark.sparkContext());
        EngineSpec spec = engineSpec(spark, options, model, scorer, hadoop);
        ProgressListener progress = new ProgressListener(taskCount, options.progressSeconds(), System.out);
        spark.sparkContext().addSparkListener(progress);
        Dataset<Row> results;
        try {
            results = tasks.repartitionByRange(partitions, col(JobSchemas.KEY))
                    .mapPartitions(
                            new PartitionRenderer(
                                    passthrough.size(),
                                    spec,
                                    new HadoopConf(hadoop),
                                    options,
                                    counters,
                                    spark.conf().get(CONF_TASK_HOOKS, "")),
                            Encoders.row(resultSchema));
            if (carried != null) {
                results = results.unionByName(carried);
            }
            results.write().mode(SaveMode.Overwrite).parquet(options.runRoot() + "/results");
            if (options.embedImages()) {
                HuggingFaceMetadata.addTo(options.runRoot() + "/results", resultSchema, hadoop);
            }
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
        long finished = System.currentTimeMillis();
        Dataset<Row> written = spark.read().parquet(options.runRoot() + "/results");
        RunSummary summary = RunSummary.of(written, options, model, scorer, counters, taskCount, started, finished);
        if (!options.sweep().isEmpty()) {
            SweepSummary.write(written, options);
        }
        if (options.report() || !options.sweep().isEmpty()) {
            System.out.println("report:  " + SweepReport.write(written, summary, options, hadoop));
        }
        Manifest.write(summary, options, hadoop, lock); // last: its presence means the run is complete
        return summary;
    }

    /** Adds the UTF-8 validity of the prompt columns, which Spark's strings hide once decoded. */
    private static Dataset<Row> withUtf8Checks(Dataset<Row> catalogue) {
        List<String> names = List.of(catalogue.schema().fieldNames());
        Dataset<Row> checked = catalogue.withColumn(JobSchemas.PROMPT_VALID_UTF8, expr("is_valid_utf8(prompt)"));
        return names.contains(CatalogueColumns.NEGATIVE_PROMPT)
                ? checked.withColumn(JobSchemas.NEGATIVE_VALID_UTF8, expr("is_valid_utf8(negative_prompt)"))
                : checked.withColumn(JobSchemas.NEGATIVE_VALID_UTF8, lit(true));
    }

    private static EngineSpec engineSpec(
            SparkSession spark,
            JobOptions options,
            ModelDescriptor model,
            ModelDescriptor scorer,
            Configuration hadoop) {
        Broadcast<ModelBytes> modelBytes = null;
        Broadcast<ModelBytes> scorerBytes = null;
        if (options.modelDistribution() == JobOptions.ModelDistribution.BROADCAST) {
            modelBytes = broadcast(spark, ModelBytes.read(model, hadoop));
            scorerBytes = scorer == null ? null : broadcast(spark, ModelBytes.read(scorer, hadoop));
        }
        String cacheRoot =
                spark.conf().get(CONF_MODEL_CACHE, System.getProperty("java.io.tmpdir") + "/batchdiffusion-models");
        String factory = spark.conf().get(CONF_ENGINE_FACTORY, PipelineEngineFactory.class.getName());
        return new EngineSpec(model, scorer, modelBytes, scorerBytes, cacheRoot, factory);
    }

    private static Broadcast<ModelBytes> broadcast(SparkSession spark, ModelBytes bytes) {
        return spark.sparkContext().broadcast(bytes, ClassTag$.MODULE$.apply(ModelBytes.class));
    }

    /** Counts of a finished run, as printed and as written to the manifest. */
    static Map<String, Long> countByStatus(Dataset<Row> results) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (Row row : results.groupBy(JobSchemas.STATUS).count().collectAsList()) {
            counts.put(row.getString(0), row.getLong(1));
        }
        return counts;
    }
}
