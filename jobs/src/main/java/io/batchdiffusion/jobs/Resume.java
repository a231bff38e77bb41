package io.batchdiffusion.jobs;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * What an earlier attempt of the same run id finished: its results rows with status OK whose image is
 * still there with the recorded sha256 (checked by executors, in parallel). Those rows are carried
 * over; every other task is planned again. Images written by an attempt that died before its results
 * table are found by the executors' skip-if-present check instead.
 */
final class Resume {

    private Resume() {}

    /** The verified rows, detached from the files they were read from; {@code null} when nothing is there. */
    static Dataset<Row> previousResults(
            SparkSession spark, JobOptions options, Configuration conf, StructType resultSchema) {
        Path results = new Path(options.runRoot() + "/results");
        try {
            FileSystem fs = results.getFileSystem(conf);
            if (!fs.exists(new Path(results, "_SUCCESS"))) {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + results, e);
        }
        Dataset<Row> previous = spark.read().parquet(results.toString());
        if (!java.util.List.of(previous.columns()).containsAll(java.util.List.of(resultSchema.fieldNames()))) {
            return null; // the table's shape changed: plan everything again (stored images are still reused)
        }
        previous = previous.select(java.util.Arrays.stream(resultSchema.fieldNames())
                .map(org.apache.spark.sql.functions::col)
                .toArray(org.apache.spark.sql.Column[]::new));
        HadoopConf hadoop = new HadoopConf(conf);
        Dataset<Row> verified = previous.filter(col(JobSchemas.STATUS).equalTo(RenderStatus.OK.name()))
                .filter((FilterFunction<Row>) row -> imageMatches(row, hadoop));
        return Checkpoints.local(verified);
    }

    private static boolean imageMatches(Row row, HadoopConf conf) {
        String path = row.getString(row.fieldIndex(JobSchemas.IMAGE_PATH));
        String sha = row.getString(row.fieldIndex(JobSchemas.IMAGE_SHA256));
        if (path == null || sha == null) {
            return false;
        }
        Path image = new Path(path);
        try (InputStream in = image.getFileSystem(conf.get()).open(image)) {
            return sha.equals(RenderKeys.sha256Hex(in.readAllBytes()));
        } catch (IOException e) {
            return false;
        }
    }
}
