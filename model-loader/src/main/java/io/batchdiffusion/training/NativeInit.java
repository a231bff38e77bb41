package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.TensorInitializer;
import java.util.Arrays;

/**
 * Creates trainable parameters as tensors the engine owns. Arrays made from Java buffers (file pages,
 * {@code manager.create(float[])}) borrow that memory; a parameter that the optimizer updates in place
 * and the autograd graph holds on to is safer as an engine-allocated copy.
 */
final class NativeInit implements TensorInitializer {

    private final TensorInitializer source;

    private NativeInit(TensorInitializer source) {
        this.source = source;
    }

    /** Native copies of what {@code source} creates. */
    static TensorInitializer of(TensorInitializer source) {
        return new NativeInit(source);
    }

    /**
     * Native copies of the tensors of a checkpoint, stored under {@code prefix + name}; a tensor whose
     * shape differs from what the model asks for fails naming it.
     */
    static TensorInitializer fromCheckpoint(SafeTensorsFile file, String prefix) {
        return new NativeInit((name, shape, manager, type) -> {
            String stored = prefix + name;
            if (!file.tensors().containsKey(stored)) {
                throw new IllegalStateException(file.path() + " has no tensor '" + stored + "'");
            }
            long[] actual = file.info(stored).shape();
            if (!Arrays.equals(actual, shape)) {
                throw new IllegalStateException(file.path() + ": '" + stored + "' has shape " + Arrays.toString(actual)
                        + ", the model needs " + Arrays.toString(shape));
            }
            return file.load(stored, manager, type);
        });
    }

    @Override
    public NDArray create(String name, long[] shape, NDManager manager, DataType type) {
        try (NDArray borrowed = source.create(name, shape, manager, type)) {
            return borrowed.duplicate();
        }
    }
}
