package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import org.junit.jupiter.api.Test;

class TorchGeneratorTest {

    @Test
    void drawsTheLatentsTorchRandnDrewForThePipelineGoldens() {
        // pipeline_inputs.latents = torch.randn((2, 4, 16, 16), generator=torch.Generator().manual_seed(20241101))
        checkAgainstGolden("pipeline_inputs.safetensors", "latents", 20241101L);
    }

    @Test
    void drawsTheSchedulerGoldenInputs() {
        // init_sample = torch.randn((1, 4, 8, 8), generator=manual_seed(20240901))
        checkAgainstGolden("scheduler_inputs.safetensors", "init_sample", 20240901L);
        // model_outputs = torch.randn((64, 1, 4, 8, 8), generator=manual_seed(20240902))
        checkAgainstGolden("scheduler_inputs.safetensors", "model_outputs", 20240902L);
    }

    @Test
    void aSizeThatIsNotAMultipleOf16RedrawsTheLastBlock() {
        float[] a = new TorchGenerator(7).randn(40);
        float[] b = new TorchGenerator(7).randn(32);
        assertThat(java.util.Arrays.copyOf(a, 24)).containsExactly(java.util.Arrays.copyOf(b, 24));
        assertThat(a[39]).isNotEqualTo(b[31]);
    }

    private static void checkAgainstGolden(String file, String tensor, long seed) {
        SafeTensorsFile golden = Fixtures.golden(file);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray expected = Fixtures.load(golden, tensor, m);
            Shape shape = expected.getShape();
            float[] drawn = new TorchGenerator(seed).randn((int) shape.size());
            Tensors.assertClose("randn seed " + seed + " -> " + tensor, m.create(drawn, shape), expected, 1e-5);
        }
    }
}
