package io.batchdiffusion.parity;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.vae.LatentDistribution;
import io.batchdiffusion.weights.SafeTensorsFile;

/** {@code vae.safetensors}: decode of scaled latents, and the encoder's mean, log variance and std. */
final class VaeParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        SafeTensorsFile golden = fixture.golden("vae.safetensors").orElse(null);
        if (golden == null) {
            report.note("no vae.safetensors; VAE not checked");
            return;
        }
        try (NDManager m = fixture.manager().newSubManager()) {
            AutoencoderKL vae = AutoencoderKL.load(fixture.model().resolve("vae"), m, DataType.FLOAT32);
            float scale = (float) vae.config().scalingFactor();
            report.compare(
                    "vae",
                    "decoded",
                    vae.decode(GoldenFixture.tensor(golden, "latents", m).div(scale)),
                    GoldenFixture.tensor(golden, "decoded", m),
                    COMPONENT);
            LatentDistribution dist = vae.encode(GoldenFixture.tensor(golden, "image", m));
            report.compare("vae", "enc_mean", dist.mean(), GoldenFixture.tensor(golden, "enc_mean", m), COMPONENT);
            report.compare(
                    "vae", "enc_logvar", dist.logvar(), GoldenFixture.tensor(golden, "enc_logvar", m), COMPONENT);
            report.compare("vae", "enc_std", dist.std(), GoldenFixture.tensor(golden, "enc_std", m), COMPONENT);
        }
    }
}
