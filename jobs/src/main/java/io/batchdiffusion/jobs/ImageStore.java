package io.batchdiffusion.jobs;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run's images, written from tasks outside Spark's commit protocol, so the store gives its own
 * guarantees: an image is complete or absent under its final key (object stores publish a PUT only
 * when it completes; other file systems get a temporary file renamed into place), and an image that
 * is already there is verified (every PNG chunk's CRC, the closing IEND) and reused instead of
 * written again.
 */
public final class ImageStore {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final Path imagesRoot;
    private final FileSystem fs;
    private final boolean objectStore;

    public ImageStore(String runRoot, Configuration conf) {
        this.imagesRoot = new Path(runRoot + "/images");
        try {
            this.fs = imagesRoot.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + imagesRoot, e);
        }
        String scheme = fs.getUri().getScheme();
        this.objectStore =
                scheme != null && (scheme.startsWith("s3") || scheme.equals("gs") || scheme.startsWith("abfs"));
    }

    /** The fully qualified URI of an image ({@code file:/...}, {@code s3a://bucket/...}). */
    public String pathOf(String key) {
        return fs.makeQualified(new Path(imagesRoot, key + ".png")).toString();
    }

    /** The bytes of a complete image already stored under {@code key}, if there is one. */
    public Optional<byte[]> existing(String key) {
        Path path = new Path(imagesRoot, key + ".png");
        try {
            if (!fs.exists(path)) {
                return Optional.empty();
            }
            byte[] bytes;
            try (InputStream in = fs.open(path)) {
                bytes = in.readAllBytes();
            }
            return isCompletePng(bytes) ? Optional.of(bytes) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Stores {@code png} under {@code key}, all or nothing. */
    public void put(String key, byte[] png) throws IOException {
        Path target = new Path(imagesRoot, key + ".png");
        if (objectStore) {
            try (OutputStream out = fs.create(target, true)) {
                out.write(png);
            }
            return;
        }
        Path temporary = new Path(imagesRoot, "_tmp/" + key + "." + UUID.randomUUID() + ".png");
        try {
            try (OutputStream out = fs.create(temporary, false)) {
                out.write(png);
            }
            if (!fs.rename(temporary, target)) {
                // A concurrent attempt won the rename; keep its copy if it is complete.
                if (existing(key).isEmpty()) {
                    fs.delete(target, false);
                    if (!fs.rename(temporary, target)) {
                        throw new IOException("cannot move " + temporary + " to " + target);
                    }
                }
            }
        } finally {
            fs.delete(temporary, false);
        }
    }

    /** True when {@code bytes} is a whole PNG: signature, chunks with valid CRCs, IEND last. */
    static boolean isCompletePng(byte[] bytes) {
        if (bytes.length < PNG_SIGNATURE.length + 12
                || !Arrays.equals(Arrays.copyOf(bytes, PNG_SIGNATURE.length), PNG_SIGNATURE)) {
            return false;
        }
        try (DataInputStream in = new DataInputStream(
                new ByteArrayInputStream(bytes, PNG_SIGNATURE.length, bytes.length - PNG_SIGNATURE.length))) {
            while (true) {
                int length = in.readInt();
                if (length < 0 || length > in.available() - 8) {
                    return false;
                }
                byte[] typeAndData = new byte[4 + length];
                in.readFully(typeAndData);
                CRC32 crc = new CRC32();
                crc.update(typeAndData);
                if ((int) crc.getValue() != in.readInt()) {
                    return false;
                }
                if (new String(typeAndData, 0, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("IEND")) {
                    return in.available() == 0;
                }
            }
        } catch (IOException e) {
            return false;
        }
    }
}
