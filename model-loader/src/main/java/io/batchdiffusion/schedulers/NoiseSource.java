package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Gives the standard Gaussian noise that stochastic steps (Euler Ancestral, LCM) draw, so that the caller
 * decides where it comes from (a per-image generator, or recorded noise in tests). Deterministic
 * schedulers never call it.
 */
@FunctionalInterface
public interface NoiseSource {

    /** A new array of N(0, 1) samples; the scheduler takes ownership and closes it. */
    NDArray next(Shape shape, DataType dataType, NDManager manager);
}
