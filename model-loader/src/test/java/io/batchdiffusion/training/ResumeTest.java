package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {

    @TempDir
    Path tmp;

    @Test
    void aRunInterruptedAndContinuedFromItsCheckpointEndsWhereAnUninterruptedRunEnds() {
        StagePlan plan = new StagePlan(4, 4, 1e-3f, 2, 1f, 0.5f);
        try (NDManager m = NDManager.newBaseManager()) {
            TinyTraining t = new TinyTraining(tmp, m);
            VaeStage straight = t.vae(t.fresh(7), plan);
            TrainingState straightState = new TrainingState(straight.parameters(), true);
            runner(tmp.resolve("straight.safetensors")).run(straight, straightState, m);

            Path checkpoint = tmp.resolve("interrupted.safetensors");
            VaeStage first = t.vae(t.fresh(7), plan);
            runner(checkpoint).run(first, new TrainingState(first.parameters(), true), m, 2);

            SafeTensorsFile saved = SafeTensorsFile.open(checkpoint);
            assertThat(saved.metadata()).containsEntry("step", "2");
            Weights restored =
                    Weights.initialized(NativeInit.fromCheckpoint(saved, TrainingState.PARAM), m, DataType.FLOAT32);
            VaeStage resumed = t.vae(restored, plan);
            TrainingState resumedState = new TrainingState(resumed.parameters(), true);
            resumedState.restore(saved, m);
            runner(checkpoint).run(resumed, resumedState, m);

            assertThat(resumedState.step()).isEqualTo(4);
            straightState
                    .parameters()
                    .forEach((name, p) -> Tensors.assertClose(
                            "resumed " + name, resumedState.parameters().get(name), p, 0));
            straightState
                    .shipped()
                    .forEach((name, p) -> Tensors.assertClose(
                            "resumed average " + name, resumedState.shipped().get(name), p, 0));
        }
    }

    private static StageRunner runner(Path checkpoint) {
        return new StageRunner(checkpoint, Map.of("plan", "test"), 100, 2, TinyTraining.QUIET);
    }
}
