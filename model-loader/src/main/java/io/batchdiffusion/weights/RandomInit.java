package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The usual initial values, decided from the tensor's name and shape, deterministic for a seed and
 * independent of the order modules ask for tensors (each tensor's stream is seeded from its name):
 * norm scales (one-dimensional {@code *.weight}) 1, biases 0, embedding tables N(0, 0.02), other
 * weights (linear, convolution) N(0, 1/fan_in) with {@code fan_in} the product of all but the first
 * dimension, which keeps activations near unit variance through deep stacks.
 */
public final class RandomInit implements TensorInitializer {

    private final long seed;

    public RandomInit(long seed) {
        this.seed = seed;
    }

    @Override
    public NDArray create(String name, long[] shape, NDManager manager, DataType type) {
        Shape s = new Shape(shape);
        NDArray array;
        if (name.endsWith(".bias")) {
            array = manager.zeros(s, DataType.FLOAT32);
        } else if (shape.length == 1 && name.endsWith(".weight")) {
            array = manager.ones(s, DataType.FLOAT32);
        } else {
            double std = isEmbedding(name) ? 0.02 : 1 / Math.sqrt(fanIn(shape));
            array = manager.create(gaussian(name, Math.toIntExact(s.size()), std), s);
        }
        if (type == DataType.FLOAT32) {
            return array;
        }
        try (array) {
            return array.toType(type, true);
        }
    }

    private static boolean isEmbedding(String name) {
        return name.contains("embedding.weight") || name.endsWith("class_embedding") || name.endsWith("logit_scale");
    }

    private static long fanIn(long[] shape) {
        long fan = 1;
        for (int i = 1; i < shape.length; i++) {
            fan *= shape[i];
        }
        return Math.max(1, fan);
    }

    private float[] gaussian(String name, int count, double std) {
        long nameHash = 1125899906842597L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            nameHash = 31 * nameHash + b;
        }
        SplittableRandom random = new SplittableRandom(seed ^ nameHash);
        float[] values = new float[count];
        for (int i = 0; i < count; i += 2) {
            // Box-Muller: two normals per pair of uniforms.
            double u1 = 1 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1)) * std;
            values[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < count) {
                values[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return values;
    }
}
