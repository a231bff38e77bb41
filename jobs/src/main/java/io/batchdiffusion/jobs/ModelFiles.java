package io.batchdiffusion.jobs;

import io.batchdiffusion.weights.WeightStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model folders on any Hadoop file system: the driver describes one (checksums of every file), an
 * executor host materialises it into a local cache once (copied into a temporary folder, every
 * checksum verified, then renamed into place so a half-copied model is never used).
 */
public final class ModelFiles {

    /** Folders of a diffusers model that the pipeline never reads (reference tensors, docs). */
    private static final Set<String> SKIPPED_FOLDERS = Set.of("goldens", ".git", ".cache");

    private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

    private ModelFiles() {}

    /**
     * Describes a diffusers pipeline folder: {@code model_index.json} and the component folders it
     * names (other folders, such as a scorer or reference tensors kept beside the model, are not part
     * of the model's fingerprint).
     */
    public static ModelDescriptor describeDiffusers(String uri, Configuration conf) {
        org.apache.hadoop.fs.Path index = new org.apache.hadoop.fs.Path(uri + "/model_index.json");
        Set<String> components = new java.util.HashSet<>();
        try (InputStream in = index.getFileSystem(conf).open(index)) {
            com.fasterxml.jackson.databind.JsonNode root =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
            root.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("_")
                        && e.getValue().isArray()
                        && !e.getValue().get(0).isNull()) {
                    components.add(e.getKey());
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "model " + uri + " has no readable model_index.json: " + e.getMessage(), e);
        }
        return describe(
                uri,
                conf,
                relative -> relative.equals("model_index.json")
                        || (relative.contains("/")
                                && components.contains(relative.substring(0, relative.indexOf('/')))));
    }

    /**
     * Describes the CLIP scorer: {@code scorerUri} when given, else a {@code clip-scorer} folder beside
     * the model's components, else none ({@code null}); {@code "none"} turns scoring off.
     */
    public static ModelDescriptor describeScorer(String scorerUri, String modelUri, Configuration conf) {
        if ("none".equalsIgnoreCase(scorerUri)) {
            return null;
        }
        String uri = scorerUri == null || scorerUri.isBlank() ? modelUri + "/clip-scorer" : scorerUri;
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
            if ((scorerUri == null || scorerUri.isBlank())
                    && !path.getFileSystem(conf).exists(path)) {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scorer " + uri, e);
        }
        return describe(uri, conf, relative -> true);
    }

    /** Lists and hashes the files under {@code uri} (recursively) that {@code include} accepts. */
    public static ModelDescriptor describe(
            String uri, Configuration conf, java.util.function.Predicate<String> include) {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(uri);
        Map<String, String> sums = new LinkedHashMap<>();
        try {
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
                throw new IllegalArgumentException("model folder " + uri + " does not exist or is not a folder");
            }
            String rootPath = fs.getFileStatus(root).getPath().toUri().getPath();
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
            while (files.hasNext()) {
                FileStatus file = files.next();
                String relative = relativize(rootPath, file.getPath().toUri().getPath());
                String top = relative.contains("/") ? relative.substring(0, relative.indexOf('/')) : "";
                if (SKIPPED_FOLDERS.contains(top) || isHidden(relative) || !include.test(relative)) {
                    continue;
                }
                refuseUnsafe(uri, relative);
                try (InputStream in = fs.open(file.getPath())) {
                    sums.put(relative, sha256(in, OutputStream.nullOutputStream()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model folder " + uri, e);
        }
        if (sums.isEmpty()) {
            throw new IllegalArgumentException("model folder " + uri + " holds no files");
        }
        return new ModelDescriptor(uri, sums, ModelDescriptor.fingerprintOf(sums));
    }

    /** Pickle checkpoints and code are refused on the driver, by name, before any byte is read or copied. */
    private static void refuseUnsafe(String uri, String relative) {
        WeightStore.refusedExtension(relative).ifPresent(ext -> {
            throw new IllegalArgumentException("model folder " + uri + " holds " + relative + ": refusing a " + ext
                    + " file (pickle checkpoints and code can run arbitrary code when loaded; only .safetensors"
                    + " weights are read: remove the file or convert it)");
        });
    }

    private static boolean isHidden(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String relativize(String root, String path) {
        String prefix = root.endsWith("/") ? root : root + "/";
        if (!path.startsWith(prefix)) {
            throw new IllegalStateException(path + " is not under " + root);
        }
        return path.substring(prefix.length());
    }

    /**
     * A local folder holding exactly the described files, copied from the model's URI into {@code
     * cacheRoot/<fingerprint>} unless a verified copy is already there.
     */
    public static Path materialize(ModelDescriptor model, Configuration conf, Path cacheRoot) {
        return materialize(model, cacheRoot, (relative, out) -> {
            org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(model.uri() + "/" + relative);
            try (InputStream in = source.getFileSystem(conf).open(source)) {
                return sha256(in, out);
            }
        });
    }

    /** Copies one file's bytes into {@code out} and returns their sha256. */
    @FunctionalInterface
    public interface FileSource {
        String copy(String relative, OutputStream out) throws IOException;
    }

    /** Like {@link #materialize(ModelDescriptor, Configuration, Path)} with the bytes from {@code source}. */
    public static Path materialize(ModelDescriptor model, Path cacheRoot, FileSource source) {
        Path target = cacheRoot.resolve(model.fingerprint());
        if (Files.isRegularFile(target.resolve(".complete")) && cachedCopyIsIntact(model, target)) {
            return target;
        }
        Path staging = cacheRoot.resolve(".staging-" + model.fingerprint() + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(staging);
            List<String> mismatched = new ArrayList<>();
            for (Map.Entry<String, String> file : model.sha256ByFile().entrySet()) {
                Path local = staging.resolve(file.getKey()).normalize();
                if (!local.startsWith(staging)) {
                    throw new IllegalArgumentException("model file name escapes the cache: " + file.getKey());
                }
                Files.createDirectories(local.getParent());
                String actual;
                try (OutputStream out = Files.newOutputStream(local)) {
                    actual = source.copy(file.getKey(), out);
                }
                if (!actual.equals(file.getValue())) {
                    mismatched.add(file.getKey() + " (expected sha256 " + file.getValue() + ", got " + actual + ")");
                }
            }
            if (!mismatched.isEmpty()) {
                throw new ModelIntegrityException(model.uri(), mismatched);
            }
            Files.writeString(staging.resolve(".complete"), model.fingerprint());
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // Another executor on this host finished first; its verified copy is as good as ours.
                if (!Files.isRegularFile(target.resolve(".complete"))) {
                    throw e;
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache model " + model.uri() + " in " + cacheRoot, e);
        } finally {
            deleteRecursively(staging);
        }
    }

    /**
     * Whether a cached copy still matches the fingerprint (once per executor JVM: engines are cached).
     * A copy changed on disk since it was verified is moved aside, so the caller copies the model anew.
     */
    private static boolean cachedCopyIsIntact(ModelDescriptor model, Path target) {
        try {
            verifyLocal(model, target);
            return true;
        } catch (ModelIntegrityException e) {
            LOG.warn("cached model copy {} changed on disk; copying the model again: {}", target, e.getMessage());
            Path aside = target.resolveSibling(".stale-" + target.getFileName() + "-" + UUID.randomUUID());
            try {
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException moveFailed) {
                // Another executor on this host moved it first.
            }
            deleteRecursively(aside);
            return false;
        }
    }

    /** Verifies a local folder in place against the descriptor (for models already on a local disk). */
    public static void verifyLocal(ModelDescriptor model, Path folder) {
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, String> file : model.sha256ByFile().entrySet()) {
            try (InputStream in = Files.newInputStream(folder.resolve(file.getKey()))) {
                String actual = sha256(in, OutputStream.nullOutputStream());
                if (!actual.equals(file.getValue())) {
                    mismatched.add(file.getKey() + " (expected sha256 " + file.getValue() + ", got " + actual + ")");
                }
            } catch (IOException e) {
                mismatched.add(file.getKey() + " (unreadable: " + e.getMessage() + ")");
            }
        }
        if (!mismatched.isEmpty()) {
            throw new ModelIntegrityException(model.uri(), mismatched);
        }
    }

    static String sha256(InputStream in, OutputStream copyTo) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (DigestInputStream hashing = new DigestInputStream(in, digest)) {
            hashing.transferTo(copyTo);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort: a leftover staging folder is never used, only wastes space.
        }
    }

    /** A model file whose bytes disagree with the fingerprint the driver computed. */
    public static final class ModelIntegrityException extends RuntimeException {
        ModelIntegrityException(String uri, List<String> files) {
            super("model " + uri + " does not match its fingerprint: " + String.join("; ", files));
        }
    }
}
