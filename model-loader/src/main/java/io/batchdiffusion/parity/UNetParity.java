package io.batchdiffusion.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.weights.SafeTensorsFile;

/** {@code unet.safetensors}: the UNet at timesteps 1 and 981 and at per-sample float timesteps. */
final class UNetParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        SafeTensorsFile golden = fixture.golden("unet.safetensors").orElse(null);
        if (golden == null) {
            report.note("no unet.safetensors; UNet not checked");
            return;
        }
        try (NDManager m = fixture.manager().newSubManager()) {
            UNet2DConditionModel unet =
                    UNet2DConditionModel.load(fixture.model().resolve("unet"), m, DataType.FLOAT32);
            NDArray sample = GoldenFixture.tensor(golden, "sample", m);
            NDArray context = GoldenFixture.tensor(golden, "encoder_hidden_states", m);
            for (String name : golden.tensors().keySet()) {
                if (!name.startsWith("out_t")) {
                    continue;
                }
                NDArray timesteps = name.equals("out_t_per_sample")
                        ? GoldenFixture.tensor(golden, "timesteps_per_sample", m)
                        : m.create(new float[] {Float.parseFloat(name.substring("out_t".length()))});
                report.compare(
                        "unet",
                        name,
                        unet.forward(sample, timesteps, context),
                        GoldenFixture.tensor(golden, name, m),
                        COMPONENT);
            }
        }
    }
}
