package io.batchdiffusion.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report's files under {@code <run-root>/report/}, and the reads it needs (rendered images, the
 * model's scheduler config), all through Hadoop's FileSystem API so that {@code s3a://} works as
 * local disk does. Each file is one create-and-close: a single PUT on object stores.
 */
final class ReportStore {

    private static final Logger LOG = LoggerFactory.getLogger(ReportStore.class);

    private final Configuration conf;
    private final Path root;
    private final FileSystem fs;

    ReportStore(String runRoot, Configuration conf) {
        this.conf = conf;
        this.root = new Path(runRoot + "/report");
        try {
            this.fs = root.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + root, e);
        }
    }

    /** The qualified URI of a file of the report, e.g. {@code index.html}. */
    String uriOf(String relative) {
        return fs.makeQualified(new Path(root, relative)).toString();
    }

    /** Removes an earlier report of the run, so no sheet of a previous attempt lingers. */
    void clear() {
        try {
            fs.delete(root, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the old report " + root, e);
        }
    }

    void write(String relative, byte[] bytes) {
        Path target = new Path(root, relative);
        try (OutputStream out = fs.create(target, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    void writePng(String relative, BufferedImage image) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + relative, e);
        }
        write(relative, png.toByteArray());
    }

    /** A rendered image by its qualified path, or {@code null} when it is gone or unreadable. */
    BufferedImage readImage(String uri) {
        Path path = new Path(uri);
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            return ImageIO.read(new ByteArrayInputStream(in.readAllBytes()));
        } catch (IOException e) {
            LOG.warn("report: cannot read image {}: {}", uri, e.toString());
            return null;
        }
    }

    /** {@code _class_name} of the model's {@code scheduler/scheduler_config.json}, or a placeholder. */
    String modelScheduler(String modelUri) {
        Path config = new Path(modelUri + "/scheduler/scheduler_config.json");
        try (InputStream in = config.getFileSystem(conf).open(config)) {
            JsonNode json = new ObjectMapper().readTree(in);
            return json.path("_class_name").asText("the model's scheduler");
        } catch (IOException e) {
            return "the model's scheduler";
        }
    }
}
