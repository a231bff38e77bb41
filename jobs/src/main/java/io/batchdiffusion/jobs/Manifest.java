package io.batchdiffusion.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json}, written last: its presence means every row of the run has a final status in
 * the results table. It records the counts by status, the model and scorer fingerprints, the full job
 * configuration and the timings. Credentials never appear in it: the configuration holds only the
 * job's own options, not Hadoop or Spark settings.
 */
final class Manifest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Manifest() {}

    static void write(RunSummary summary, JobOptions options, Configuration conf, RunLock lock) {
        if (!lock.stillOwned()) {
            throw new IllegalStateException("lost the lock of run " + options.runRoot() + "; not writing its manifest");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("run_id", summary.runId());
        root.put("format", "batch-diffusion-run-v1");
        root.put("rows", summary.rows());
        root.set("counts_by_status", JSON.valueToTree(summary.countsByStatus()));
        root.put("mean_clip_score", Double.isNaN(summary.meanClipScore()) ? null : summary.meanClipScore());
        ObjectNode model = root.putObject("model");
        model.put("uri", summary.model().uri());
        model.put("fingerprint", summary.model().fingerprint());
        model.set("files", JSON.valueToTree(summary.model().sha256ByFile()));
        if (summary.scorer() != null) {
            ObjectNode scorer = root.putObject("scorer");
            scorer.put("uri", summary.scorer().uri());
            scorer.put("fingerprint", summary.scorer().fingerprint());
        }
        root.set("job", JSON.valueToTree(options));
        ObjectNode timings = root.putObject("timings");
        timings.put("started", Instant.ofEpochMilli(summary.startedMillis()).toString());
        timings.put("finished", Instant.ofEpochMilli(summary.finishedMillis()).toString());
        timings.put("wall_seconds", summary.wallSeconds());
        timings.put("images_per_second", summary.imagesPerSecond());
        ObjectNode counters = root.putObject("counters");
        counters.put("planned_this_attempt", summary.plannedThisAttempt());
        counters.put("images_rendered", summary.imagesRendered());
        counters.put("images_reused", summary.imagesReused());
        counters.put("render_calls", summary.renderCalls());
        counters.put("engine_loads", summary.engineLoads());
        counters.put("oom_retries", summary.oomRetries());
        root.put("results", options.runRoot() + "/results");
        root.put("images", options.runRoot() + "/images/");
        writeAtomically(options.runRoot() + "/manifest.json", root, conf);
    }

    private static void writeAtomically(String uri, ObjectNode json, Configuration conf) {
        Path target = new Path(uri);
        try {
            FileSystem fs = target.getFileSystem(conf);
            byte[] bytes = JSON.writeValueAsBytes(json);
            String scheme = fs.getUri().getScheme();
            if (scheme != null && scheme.startsWith("s3")) {
                try (OutputStream out = fs.create(target, true)) {
                    out.write(bytes); // a single PUT: visible only when complete
                }
                return;
            }
            Path temporary = new Path(target.getParent(), "_manifest.json.tmp");
            try (OutputStream out = fs.create(temporary, true)) {
                out.write(bytes);
            }
            fs.delete(target, false);
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + uri, e);
        }
    }
}
