package io.batchdiffusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine's fp32 matrix-multiply rate through the engine the models use: square products of
 * several sizes (small ones understate the rate, one size can hit a bad blocking), best median wins.
 */
final class MatmulCeiling {

    private MatmulCeiling() {}

    /** Timings by matrix size. */
    static Map<Integer, Timing> measure(List<Integer> sizes, int repeats) {
        Map<Integer, Timing> bySize = new LinkedHashMap<>();
        for (int n : sizes) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = m.randomNormal(new Shape(n, n));
                NDArray b = m.randomNormal(new Shape(n, n));
                bySize.put(n, Timing.measure(1, repeats, () -> a.matMul(b).close()));
            }
        }
        return bySize;
    }

    static double flops(int n) {
        return 2.0 * n * n * n;
    }
}
