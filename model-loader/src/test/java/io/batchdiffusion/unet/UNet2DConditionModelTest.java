package io.batchdiffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UNet2DConditionModelTest {

    private static final double TOLERANCE = 1e-4;

    private static NDManager manager;
    private static UNet2DConditionModel unet;
    private static SafeTensorsFile golden;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        unet = UNet2DConditionModel.load(Fixtures.tinySdA().resolve("unet"), manager, DataType.FLOAT32);
        golden = Fixtures.golden("unet.safetensors");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void loadingTheFixtureUsesEveryTensor() {
        assertThat(unet.unused()).isEmpty();
        assertThat(unet.config().blockOutChannels()).containsExactly(32, 64);
    }

    @Test
    void matchesDiffusersAtTimestepOne() {
        assertOutput("unet out_t1", manager.create(1f), "out_t1");
    }

    @Test
    void matchesDiffusersAtTimestep981() {
        assertOutput("unet out_t981", manager.create(981L), "out_t981");
    }

    @Test
    void matchesDiffusersWithFloatPerSampleTimesteps() {
        try (NDManager batch = manager.newSubManager()) {
            assertOutput(
                    "unet out_t_per_sample", Fixtures.load(golden, "timesteps_per_sample", batch), "out_t_per_sample");
        }
    }

    @Test
    void twentyStepsLeaveNoIntermediatesBehind() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray sample = Fixtures.load(golden, "sample", batch);
            NDArray context = Fixtures.load(golden, "encoder_hidden_states", batch);
            NDArray timestep = batch.create(500f);
            int modelArrays = manager.getManagedArrays().size();
            int batchArrays = batch.getManagedArrays().size();
            for (int step = 0; step < 20; step++) {
                try (NDArray out = unet.forward(sample, timestep, context);
                        NDArray delta = out.mul(0.01f)) {
                    sample = sample.sub(delta);
                }
            }
            // the only arrays left are the 20 new samples, all in the batch's manager (which the model's
            // manager counts as its child)
            assertThat(batch.getManagedArrays()).hasSize(batchArrays + 20);
            assertThat(manager.getManagedArrays()).hasSize(modelArrays + 20);
        }
    }

    private void assertOutput(String what, NDArray timesteps, String expectedName) {
        try (NDManager batch = manager.newSubManager()) {
            NDArray sample = Fixtures.load(golden, "sample", batch);
            NDArray context = Fixtures.load(golden, "encoder_hidden_states", batch);
            NDArray out = unet.forward(sample, timesteps, context);
            Tensors.assertClose(what, out, Fixtures.load(golden, expectedName, batch), TOLERANCE);
        }
    }
}
