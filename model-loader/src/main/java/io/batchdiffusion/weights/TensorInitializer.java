package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Creates the tensors of a model that is not loaded from a file (training from scratch, benchmarks). */
@FunctionalInterface
public interface TensorInitializer {

    NDArray create(String name, long[] shape, NDManager manager, DataType type);
}
