package io.batchdiffusion.vae;

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

class AutoencoderKLTest {

    private static final double TOLERANCE = 1e-4;

    private static NDManager manager;
    private static AutoencoderKL vae;
    private static SafeTensorsFile golden;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        vae = AutoencoderKL.load(Fixtures.tinySdA().resolve("vae"), manager, DataType.FLOAT32);
        golden = Fixtures.golden("vae.safetensors");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void loadingTheFixtureUsesEveryTensor() {
        assertThat(vae.unused()).isEmpty();
        assertThat(vae.config().scalingFactor()).isEqualTo(0.18215);
    }

    @Test
    void decodeMatchesDiffusers() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray latents = Fixtures.load(golden, "latents", batch);
            NDArray decoded = vae.decode(latents.div((float) vae.config().scalingFactor()));
            Tensors.assertClose("vae decoded", decoded, Fixtures.load(golden, "decoded", batch), TOLERANCE);
        }
    }

    @Test
    void encodeMatchesDiffusersLatentDistribution() {
        try (NDManager batch = manager.newSubManager()) {
            LatentDistribution dist = vae.encode(Fixtures.load(golden, "image", batch));
            Tensors.assertClose("vae enc_mean", dist.mean(), Fixtures.load(golden, "enc_mean", batch), TOLERANCE);
            Tensors.assertClose("vae enc_logvar", dist.logvar(), Fixtures.load(golden, "enc_logvar", batch), TOLERANCE);
            Tensors.assertClose("vae enc_std", dist.std(), Fixtures.load(golden, "enc_std", batch), TOLERANCE);
        }
    }
}
