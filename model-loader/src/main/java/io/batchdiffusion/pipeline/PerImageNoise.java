package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.schedulers.NoiseSource;
import java.util.List;

/**
 * The noise of a batch, drawn image by image: image {@code i} owns a generator seeded with its
 * request's seed, which gives its initial latents and then, in order, every noise tensor a stochastic
 * scheduler asks for. Nothing an image draws depends on the other images of its batch, which is what a
 * list of per-image {@code torch.Generator}s gives in diffusers.
 */
final class PerImageNoise implements NoiseSource {

    private final TorchGenerator[] generators;

    PerImageNoise(List<RenderRequest> requests) {
        generators = new TorchGenerator[requests.size()];
        for (int i = 0; i < generators.length; i++) {
            generators[i] = new TorchGenerator(requests.get(i).seed());
        }
    }

    /** Standard normal latents {@code [batch, channels, height, width]}, one generator per row. */
    NDArray initialLatents(long channels, long height, long width, NDManager manager, DataType type) {
        return next(new Shape(generators.length, channels, height, width), type, manager);
    }

    @Override
    public NDArray next(Shape shape, DataType dataType, NDManager manager) {
        if (shape.get(0) != generators.length) {
            throw new IllegalArgumentException(
                    "noise for " + shape.get(0) + " images requested from a batch of " + generators.length);
        }
        Shape perImage = shape.slice(1);
        NDList rows = new NDList(generators.length);
        for (TorchGenerator generator : generators) {
            float[] values = generator.randn(Math.toIntExact(perImage.size()));
            rows.add(manager.create(values, perImage));
        }
        NDArray stacked = NDArrays.stack(rows);
        rows.close();
        if (dataType == DataType.FLOAT32) {
            return stacked;
        }
        try (stacked) {
            return stacked.toType(dataType, true);
        }
    }
}
