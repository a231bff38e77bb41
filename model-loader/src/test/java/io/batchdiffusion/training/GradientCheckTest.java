package io.batchdiffusion.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.Weights;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Autograd through the model code the pipeline runs, against the same computation in float64: every
 * parameter gradient of the shapes UNet agrees. (The UNet has no half-precision upcasts, which would cut
 * the float64 graph at their type casts.)
 */
class GradientCheckTest {

    @Test
    void unetParameterGradientsMatchFloat64() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(java.nio.file.Files.createTempDirectory("grad"), m);
            NDArray sample = m.randomNormal(new Shape(4, 4, 8, 8));
            NDArray timesteps = m.create(new long[] {3, 250, 600, 999});
            NDArray context = m.randomNormal(new Shape(4, 12, ShapesModelConfigs.TEXT_WIDTH));
            Map<String, NDArray> single = gradients(t, sample, timesteps, context, DataType.FLOAT32, m);
            Map<String, NDArray> reference = gradients(t, sample, timesteps, context, DataType.FLOAT64, m);
            double largest = 0;
            for (NDArray g : reference.values()) {
                largest = Math.max(largest, g.abs().max().getDouble());
            }
            for (Map.Entry<String, NDArray> e : reference.entrySet()) {
                // relative to the largest gradient: parameters whose gradients nearly cancel keep float32 noise
                Tensors.assertClose(e.getKey(), single.get(e.getKey()), e.getValue(), 1e-4 * largest);
            }
        }
    }

    private static Map<String, NDArray> gradients(
            TinyTraining t, NDArray sample, NDArray timesteps, NDArray context, DataType type, NDManager m) {
        Weights w = Weights.initialized(NativeInit.of(new RandomInit(21)), m, type);
        UNet2DConditionModel unet = UNet2DConditionModel.build(t.configs.unet(), w, ShapesModelConfigs.source());
        w.taken().values().forEach(p -> p.setRequiresGradient(true));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = unet.forward(sample.toType(type, true), timesteps, context.toType(type, true));
            collector.backward(out.square().mean());
        }
        Map<String, NDArray> grads = new java.util.LinkedHashMap<>();
        w.taken().forEach((name, p) -> grads.put(name, p.getGradient().toType(DataType.FLOAT64, true)));
        return grads;
    }
}
