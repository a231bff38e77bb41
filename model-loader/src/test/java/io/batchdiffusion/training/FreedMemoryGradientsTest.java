package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.testing.NativeMemoryChurn;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backward pass reads what the forward pass saved. If any saved array borrowed Java memory that was
 * freed when the loss's scope closed it (DJL's {@code x.mul(2f)} makes the 2 that way), a garbage
 * collection between the passes that hands the memory to someone else changes the gradients: now and then
 * NaN, and runs of one seed that differ. Each stage's gradients must not notice such a collection.
 */
class FreedMemoryGradientsTest {

    @TempDir
    Path tmp;

    @Test
    void clipGradientsIgnoreMemoryFreedAndReusedBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            assertUnaffected(t.clip(t.fresh(1), new StagePlan(1, 8, 1e-3f, 1, 1f, 0f)), m);
        }
    }

    @Test
    void vaeGradientsIgnoreMemoryFreedAndReusedBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            assertUnaffected(t.vae(t.fresh(2), new StagePlan(1, 4, 1e-3f, 1, 1f, 0f)), m);
        }
    }

    @Test
    void unetGradientsIgnoreMemoryFreedAndReusedBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            assertUnaffected(t.unet(t.fresh(3), new StagePlan(1, 4, 1e-3f, 1, 1f, 0.9f), 8), m);
        }
    }

    private static void assertUnaffected(Stage stage, NDManager m) {
        Map<String, float[]> undisturbed = gradients(stage, m, false);
        Map<String, float[]> churned = gradients(stage, m, true);
        for (Map.Entry<String, float[]> e : undisturbed.entrySet()) {
            assertThat(churned.get(e.getKey()))
                    .as("%s gradient of %s", stage.name(), e.getKey())
                    .containsExactly(e.getValue());
        }
    }

    private static Map<String, float[]> gradients(Stage stage, NDManager m, boolean churn) {
        TrainingState state = new TrainingState(stage.parameters(), false);
        state.zeroGradients();
        try (NDManager batch = m.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = stage.loss(0, batch);
            if (churn) {
                NativeMemoryChurn.freeAndReuse();
            }
            collector.backward(loss);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        stage.parameters().forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        return out;
    }
}
