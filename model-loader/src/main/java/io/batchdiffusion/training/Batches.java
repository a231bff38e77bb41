package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batches drawn from the shapes data, each a function of the seed, the stage and the step only.
 *
 * <p>Every array comes back in memory the engine owns. An array made from Java values borrows a direct
 * buffer that is freed once the array is closed and collected; a stage that draws its noise inside the
 * scope of its loss closes that array before the backward pass reads it again, which then read freed
 * memory (garbage gradients, now and then NaN, and runs of the same seed that differed).
 */
final class Batches {

    private Batches() {}

    /** The random stream of one step of one stage. */
    static SplittableRandom random(long seed, String stage, int step) {
        long z = seed * 0x9E3779B97F4A7C15L + stage.hashCode() * 0xD1B54A32D192ED03L + step * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }

    /** {@code count} training scenes at random indices. */
    static List<ShapeScene> scenes(ShapesDataset data, SplittableRandom random, int count) {
        List<ShapeScene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(data.scene(random.nextInt(Integer.MAX_VALUE)));
        }
        return scenes;
    }

    /** The scenes' pixels as the VAE takes them: float [B, 3, H, W] in [-1, 1]. */
    static NDArray images(List<ShapeScene> scenes, NDManager manager) {
        ShapeScene first = scenes.get(0);
        int plane = first.width() * first.height();
        float[] values = new float[scenes.size() * 3 * plane];
        for (int b = 0; b < scenes.size(); b++) {
            byte[] rgb = scenes.get(b).rgb();
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < plane; i++) {
                    values[(b * 3 + c) * plane + i] = (rgb[i * 3 + c] & 0xFF) / 127.5f - 1f;
                }
            }
        }
        return owned(manager.create(values, new Shape(scenes.size(), 3, first.height(), first.width())));
    }

    /** Standard normal noise of {@code shape} from {@code random}. */
    static NDArray gaussian(SplittableRandom random, Shape shape, NDManager manager) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return owned(manager.create(values, shape));
    }

    /**
     * An engine-allocated copy of {@code borrowed}, which is closed. Arrays a loss makes from Java values
     * go through this too, so they stay valid wherever the loss makes them.
     */
    static NDArray owned(NDArray borrowed) {
        try (borrowed) {
            return borrowed.duplicate();
        }
    }
}
