package io.batchdiffusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's fp32 matrix-multiply rate through the engine the models use, two ways: {@code matMul}
 * (PyTorch's CPU GEMM, MKL) and the same n x n x n product as a 1x1 convolution over an n-pixel
 * image (oneDNN, the library behind the models' convolutions, which on AMD CPUs uses AVX-512 where
 * MKL does not). Several sizes each, since small products understate the rate; the ceiling is the
 * best median of all.
 */
final class MatmulCeiling {

    private static final Shape ONE = new Shape(1, 1);
    private static final Shape NONE = new Shape(0, 0);

    private MatmulCeiling() {}

    static List<BenchResult> measure(List<Integer> sizes, int repeats) {
        List<BenchResult> results = new ArrayList<>();
        for (int n : sizes) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = m.randomNormal(new Shape(n, n));
                NDArray b = m.randomNormal(new Shape(n, n));
                Timing gemm = Timing.measure(1, repeats, () -> a.matMul(b).close());
                results.add(new BenchResult("ceiling", "matmul " + n + "x" + n, gemm, flops(n), 0));
                // [1, n channels, n pixels] * [n, n, 1, 1]: the same product, through oneDNN
                long width = Math.min(n, 64);
                NDArray image = m.randomNormal(new Shape(1, n, n / width, width));
                NDArray kernel = m.randomNormal(new Shape(n, n, 1, 1));
                Timing conv = Timing.measure(1, repeats, () -> image.getNDArrayInternal()
                        .convolution(image, kernel, null, ONE, NONE, ONE, 1)
                        .singletonOrThrow()
                        .close());
                results.add(new BenchResult("ceiling", "1x1 conv as matmul " + n, conv, flops(n), 0));
            }
        }
        return results;
    }

    static double flops(int n) {
        return 2.0 * n * n * n;
    }
}
