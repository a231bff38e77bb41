package io.batchdiffusion.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tensors of one model component: a single safetensors file or a sharded set with its
 * {@code *.safetensors.index.json}. Folders holding pickle checkpoints or code are refused unread.
 */
public final class WeightStore {

    /**
     * Extensions that can execute code when loaded by the usual tools (pickle checkpoints, Python
     * source and bytecode); never read. Matched case-insensitively on the file name.
     */
    private static final Set<String> REFUSED_EXTENSIONS =
            Set.of(".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle", ".py", ".pyc");

    private static final List<String> STANDARD_NAMES =
            List.of("diffusion_pytorch_model.safetensors", "model.safetensors");

    private final Path location;
    private final Map<String, SafeTensorsFile> fileByTensor;
    private final List<SafeTensorsFile> files;

    private WeightStore(Path location, List<SafeTensorsFile> files) {
        this.location = location;
        this.files = List.copyOf(files);
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        for (SafeTensorsFile file : files) {
            for (String name : file.tensors().keySet()) {
                SafeTensorsFile previous = byTensor.putIfAbsent(name, file);
                if (previous != null) {
                    throw new InvalidModelFileException(
                            file.path(),
                            "tensor '" + name + "' is also in "
                                    + previous.path().getFileName());
                }
            }
        }
        this.fileByTensor = Collections.unmodifiableMap(byTensor);
    }

    /** One safetensors file. */
    public static WeightStore ofFile(Path file) {
        refuseUnsafe(file);
        return new WeightStore(file, List.of(SafeTensorsFile.open(file)));
    }

    /** The weights of a component folder such as {@code unet/} or {@code text_encoder/}. */
    public static WeightStore ofFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new InvalidModelFileException(folder, "component folder is missing");
        }
        refuseUnsafeFiles(folder);
        for (String name : STANDARD_NAMES) {
            Path index = folder.resolve(name + ".index.json");
            if (Files.isRegularFile(index)) {
                return ofIndex(index);
            }
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                return ofFile(file);
            }
        }
        throw new InvalidModelFileException(
                folder, "no weights: expected one of " + STANDARD_NAMES + " (or a sharded *.safetensors.index.json)");
    }

    private static WeightStore ofIndex(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new InvalidModelFileException(index, "cannot read index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new InvalidModelFileException(index, "index has no weight_map object");
        }
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> {
            String shardName = e.getValue().asText();
            Path shard = index.resolveSibling(shardName).normalize();
            if (!shard.getParent().equals(index.getParent().normalize())) {
                throw new InvalidModelFileException(index, "shard '" + shardName + "' is outside the component folder");
            }
            shards.computeIfAbsent(shardName, n -> {
                refuseUnsafe(shard);
                return SafeTensorsFile.open(shard);
            });
        });
        WeightStore store = new WeightStore(index, new ArrayList<>(shards.values()));
        map.fields().forEachRemaining(e -> {
            SafeTensorsFile holder = store.fileByTensor.get(e.getKey());
            if (holder == null
                    || !holder.path()
                            .getFileName()
                            .toString()
                            .equals(e.getValue().asText())) {
                throw new InvalidModelFileException(
                        index,
                        "tensor '" + e.getKey() + "' is not in shard "
                                + e.getValue().asText());
            }
        });
        return store;
    }

    /** Throws when {@code folder} holds a pickle checkpoint or code file. */
    public static void refuseUnsafeFiles(Path folder) {
        try (Stream<Path> children = Files.list(folder)) {
            children.filter(Files::isRegularFile).forEach(WeightStore::refuseUnsafe);
        } catch (IOException e) {
            throw new InvalidModelFileException(folder, "cannot list folder: " + e.getMessage(), e);
        }
    }

    /**
     * Throws when any file under {@code modelRoot} (hidden folders such as {@code .git} aside) is a
     * pickle checkpoint or code, even in folders the pipeline does not read: such a folder is refused
     * as a whole, unread.
     */
    public static void refuseUnsafeTree(Path modelRoot) {
        try (Stream<Path> files = Files.walk(modelRoot, 8)) {
            files.filter(f -> !isUnderHiddenFolder(modelRoot, f))
                    .filter(Files::isRegularFile)
                    .forEach(WeightStore::refuseUnsafe);
        } catch (IOException e) {
            throw new InvalidModelFileException(modelRoot, "cannot list folder: " + e.getMessage(), e);
        }
    }

    private static boolean isUnderHiddenFolder(Path root, Path file) {
        Path relative = root.relativize(file);
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            if (relative.getName(i).toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The refused extension {@code fileName} ends with, if any. */
    public static Optional<String> refusedExtension(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return REFUSED_EXTENSIONS.stream().filter(name::endsWith).findFirst();
    }

    private static void refuseUnsafe(Path file) {
        refusedExtension(file.getFileName().toString()).ifPresent(ext -> {
            throw new InvalidModelFileException(
                    file,
                    "refusing a " + ext + " file: pickle checkpoints and code can run arbitrary code when loaded;"
                            + " only .safetensors weights are read (remove the file or convert it)");
        });
    }

    public Path location() {
        return location;
    }

    public List<SafeTensorsFile> files() {
        return files;
    }

    public Set<String> names() {
        return fileByTensor.keySet();
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /** The file holding {@code name}, or {@code null}. */
    public SafeTensorsFile fileOf(String name) {
        return fileByTensor.get(name);
    }

    public long totalBytes() {
        long total = 0;
        for (SafeTensorsFile file : files) {
            for (TensorInfo info : file.tensors().values()) {
                total += info.byteLength();
            }
        }
        return total;
    }
}
