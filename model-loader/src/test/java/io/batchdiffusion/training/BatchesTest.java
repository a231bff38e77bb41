package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.testing.NativeMemoryChurn;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A stage draws its noise inside the scope of its loss, which closes the array before the backward pass
 * reads it again: the batch's arrays must not borrow Java memory that is freed with the array.
 */
class BatchesTest {

    @Test
    void noiseDrawnInsideTheLossScopeSurvivesUntilTheBackwardPass() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(64, 4, 8, 8);
            float[] expected =
                    Batches.gaussian(new SplittableRandom(7), shape, m).toFloatArray();
            for (int attempt = 0; attempt < 5; attempt++) {
                try (NDManager batch = m.newSubManager()) {
                    NDArray scale = batch.ones(new Shape(1));
                    scale.setRequiresGradient(true);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        // d(sum(scale * noise))/d(scale) = sum(noise): the backward pass reads the noise
                        NDArray loss =
                                Scope.run(() -> scale.mul(Batches.gaussian(new SplittableRandom(7), shape, batch))
                                        .sum());
                        NativeMemoryChurn.freeAndReuse();
                        collector.backward(loss);
                    }
                    double sum = 0;
                    for (float v : expected) {
                        sum += v;
                    }
                    assertThat((double) scale.getGradient().getFloat(0))
                            .isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-2));
                }
            }
        }
    }

    @Test
    void imagesDrawnInsideTheLossScopeSurviveUntilTheBackwardPass() {
        try (NDManager m = NDManager.newBaseManager()) {
            ShapesDataset data = ShapesDataset.train(42);
            var scenes = data.scenes(0, 32);
            double expected = Batches.images(scenes, m).sum().getFloat();
            try (NDManager batch = m.newSubManager()) {
                NDArray scale = batch.ones(new Shape(1));
                scale.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = Scope.run(
                            () -> scale.mul(Batches.images(scenes, batch)).sum());
                    NativeMemoryChurn.freeAndReuse();
                    collector.backward(loss);
                }
                assertThat((double) scale.getGradient().getFloat(0))
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-1));
            }
        }
    }
}
