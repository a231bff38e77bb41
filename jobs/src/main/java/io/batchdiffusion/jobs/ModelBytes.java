package io.batchdiffusion.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model's files as bytes, for {@code --model-distribution broadcast}: Spark's broadcast moves them to
 * executors that cannot reach the model store. Files are held in 64 MiB chunks so any file size fits.
 */
public record ModelBytes(Map<String, List<byte[]>> chunksByFile) implements Serializable {

    private static final int CHUNK = 64 << 20;

    public static ModelBytes read(ModelDescriptor model, Configuration conf) {
        Map<String, List<byte[]>> files = new LinkedHashMap<>();
        for (String relative : model.sha256ByFile().keySet()) {
            Path path = new Path(model.uri() + "/" + relative);
            List<byte[]> chunks = new ArrayList<>();
            try (InputStream in = path.getFileSystem(conf).open(path)) {
                byte[] chunk;
                while ((chunk = in.readNBytes(CHUNK)).length > 0) {
                    chunks.add(chunk);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
            files.put(relative, chunks);
        }
        return new ModelBytes(files);
    }

    /** A {@link ModelFiles.FileSource} over these bytes. */
    public ModelFiles.FileSource source() {
        return (relative, out) -> {
            List<byte[]> chunks = chunksByFile.get(relative);
            if (chunks == null) {
                throw new IOException("broadcast model has no file " + relative);
            }
            java.security.MessageDigest digest;
            try {
                digest = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (byte[] chunk : chunks) {
                digest.update(chunk);
                out.write(chunk);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        };
    }

    long totalBytes() {
        long total = 0;
        for (List<byte[]> chunks : chunksByFile.values()) {
            for (byte[] chunk : chunks) {
                total += chunk.length;
            }
        }
        return total;
    }
}
