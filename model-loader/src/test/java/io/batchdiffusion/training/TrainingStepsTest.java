package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingStepsTest {

    @TempDir
    Path tmp;

    @Test
    void aFewStepsReduceTheLossOfEachStage() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            assertLearns(t.clip(t.fresh(1), new StagePlan(10, 16, 2e-3f, 1, 1f, 0f)), m);
            assertLearns(t.vae(t.fresh(2), new StagePlan(10, 8, 2e-3f, 1, 1f, 0f)), m);
            assertLearns(t.unet(t.fresh(3), new StagePlan(10, 8, 2e-3f, 1, 1f, 0.9f), 32), m);
        }
    }

    /** Ten steps on one batch bring that batch's loss well down. */
    private void assertLearns(Stage stage, NDManager m) {
        Stage fixed = TinyTraining.onOneBatch(stage);
        TrainingState state = new TrainingState(stage.parameters(), stage.plan().keepsEma());
        float before = loss(fixed, m);
        new StageRunner(tmp.resolve(stage.name() + ".safetensors"), Map.of(), 100, 100, TinyTraining.QUIET)
                .run(fixed, state, m);
        float after = loss(fixed, m);
        System.out.printf(
                "%s loss on one batch: %.4f -> %.4f after %d steps%n",
                stage.name(), before, after, stage.plan().steps());
        assertThat(after).as(stage.name()).isLessThan(0.9f * before);
    }

    private static float loss(Stage stage, NDManager m) {
        try (NDManager batch = m.newSubManager()) {
            NDArray value = stage.loss(0, batch);
            return value.getFloat();
        }
    }
}
