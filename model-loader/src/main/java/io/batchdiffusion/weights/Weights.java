package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A view of a {@link WeightStore} under a tensor-path prefix, the way diffusers names parameters.
 *
 * <p>Modules are built by binding: a block's constructor receives the view for its own prefix
 * ({@code w.pp("down_blocks").pp(0).pp("resnets").pp(1)}) and takes its tensors by their local names
 * with the shape its configuration implies. Every tensor taken is recorded, so once a model is built
 * {@link #unused()} lists what the checkpoint holds that no module asked for.
 *
 * <p>An {@link #initialized} view has no file: each tensor a module asks for is created by a {@link
 * TensorInitializer}. Building a model against it gives a fresh model of any configuration, whose
 * {@link #taken()} tensors a {@link SafeTensorsWriter} saves as a checkpoint in the same layout.
 */
public final class Weights {

    private final WeightStore store;
    private final TensorInitializer initializer;
    private final String prefix;
    private final NDManager manager;
    private final DataType computeType;
    private final boolean writable;
    private final Map<String, NDArray> taken;

    private Weights(
            WeightStore store,
            TensorInitializer initializer,
            String prefix,
            NDManager manager,
            DataType computeType,
            boolean writable,
            Map<String, NDArray> taken) {
        this.store = store;
        this.initializer = initializer;
        this.prefix = prefix;
        this.manager = manager;
        this.computeType = computeType;
        this.writable = writable;
        this.taken = taken;
    }

    /**
     * The root view of {@code store} for inference; tensors are created in {@code manager} as {@code
     * computeType} and may share the file's mapped pages.
     */
    public static Weights of(WeightStore store, NDManager manager, DataType computeType) {
        return new Weights(store, null, "", manager, computeType, false, newTaken());
    }

    /** A root view whose tensors are private copies that a trainer may update in place. */
    public static Weights writable(WeightStore store, NDManager manager, DataType computeType) {
        return new Weights(store, null, "", manager, computeType, true, newTaken());
    }

    /** A root view without a file: every tensor asked for is created by {@code initializer}. */
    public static Weights initialized(TensorInitializer initializer, NDManager manager, DataType computeType) {
        return new Weights(null, initializer, "", manager, computeType, true, newTaken());
    }

    private static Map<String, NDArray> newTaken() {
        return Collections.synchronizedMap(new LinkedHashMap<>());
    }

    /** The view under {@code name} ("push prefix"). */
    public Weights pp(String name) {
        return new Weights(store, initializer, path(name), manager, computeType, writable, taken);
    }

    public Weights pp(int index) {
        return pp(Integer.toString(index));
    }

    /** The full tensor path of a local name. */
    public String path(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** Whether the checkpoint holds {@code name} (an initialized view holds nothing until asked). */
    public boolean contains(String name) {
        return store != null && store.contains(path(name));
    }

    /** Takes the tensor {@code name}, failing unless it exists with exactly {@code expectedShape}. */
    public NDArray get(String name, long... expectedShape) {
        String full = path(name);
        if (initializer != null) {
            NDArray created = initializer.create(full, expectedShape.clone(), manager, computeType);
            created.setName(full);
            taken.put(full, created);
            return created;
        }
        SafeTensorsFile file = store.fileOf(full);
        if (file == null) {
            throw new InvalidModelFileException(
                    store.location(),
                    "missing tensor '" + full + "' (the model config needs shape " + Arrays.toString(expectedShape)
                            + ")");
        }
        TensorInfo info = file.info(full);
        if (!Arrays.equals(info.shape(), expectedShape)) {
            throw new InvalidModelFileException(
                    file.path(),
                    "tensor '" + full + "' has shape " + info.shapeString() + " but the model config needs "
                            + Arrays.toString(expectedShape));
        }
        NDArray array =
                writable ? file.loadWritable(full, manager, computeType) : file.load(full, manager, computeType);
        array.setName(full);
        taken.put(full, array);
        return array;
    }

    /** Takes {@code name} with whatever shape it has, for tensors whose size the config does not fix. */
    public NDArray getAnyShape(String name) {
        String full = path(name);
        if (store == null) {
            throw new IllegalStateException("'" + full + "' has no fixed shape; an initialized model cannot create it");
        }
        SafeTensorsFile file = store.fileOf(full);
        if (file == null) {
            throw new InvalidModelFileException(store.location(), "missing tensor '" + full + "'");
        }
        return get(name, file.info(full).shape());
    }

    /** Tensors of the store that no module has taken so far (none for an initialized view). */
    public Set<String> unused() {
        if (store == null) {
            return Set.of();
        }
        Set<String> unused = new TreeSet<>(store.names());
        unused.removeAll(taken.keySet());
        return unused;
    }

    /**
     * Every tensor taken so far, by full path, in the order modules took them: the parameters of the
     * built model (what a trainer updates and a checkpoint writer saves).
     */
    public Map<String, NDArray> taken() {
        synchronized (taken) {
            return new LinkedHashMap<>(taken);
        }
    }

    /** Shape of a tensor, without loading it; {@code null} when absent. */
    public long[] shapeOf(String name) {
        if (store == null) {
            return null;
        }
        SafeTensorsFile file = store.fileOf(path(name));
        return file == null ? null : file.info(path(name)).shape().clone();
    }

    public WeightStore store() {
        return store;
    }

    public NDManager manager() {
        return manager;
    }

    public DataType computeType() {
        return computeType;
    }
}
