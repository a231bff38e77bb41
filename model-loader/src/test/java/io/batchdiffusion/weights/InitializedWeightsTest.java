package io.batchdiffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.unet.UNet2DConditionConfig;
import io.batchdiffusion.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitializedWeightsTest {

    @TempDir
    Path tmp;

    @Test
    void aFreshModelSavesAsACheckpointThatLoadsBackWithEveryTensorUsed() throws Exception {
        Path configFile = Fixtures.tinySdA().resolve("unet/config.json");
        UNet2DConditionConfig config = UNet2DConditionConfig.load(configFile);
        try (NDManager m = NDManager.newBaseManager()) {
            Weights fresh = Weights.initialized(new RandomInit(7), m, DataType.FLOAT32);
            UNet2DConditionModel built = UNet2DConditionModel.build(config, fresh, configFile);
            Path folder = Files.createDirectories(tmp.resolve("unet"));
            SafeTensorsWriter writer = new SafeTensorsWriter();
            fresh.taken().forEach((name, array) -> writer.add(name, array, StorageType.F32));
            writer.write(folder.resolve("diffusion_pytorch_model.safetensors"));
            ConfigLoader.write(folder.resolve("config.json"), config, "UNet2DConditionModel");

            UNet2DConditionModel loaded = UNet2DConditionModel.load(folder, m, DataType.FLOAT32);
            assertThat(loaded.unused()).isEmpty();
            NDArray sample = m.randomNormal(new Shape(2, 4, 16, 16));
            NDArray t = m.create(new float[] {10f, 900f});
            NDArray context = m.randomNormal(new Shape(2, 77, 32));
            Tensors.assertClose(
                    "fresh vs reloaded UNet", loaded.forward(sample, t, context), built.forward(sample, t, context), 0);
            assertThat(fresh.taken())
                    .hasSameSizeAs(SafeTensorsFile.open(folder.resolve("diffusion_pytorch_model.safetensors"))
                            .tensors());
        }
    }

    @Test
    void initialValuesDependOnlyOnTheSeedAndTheName() {
        try (NDManager m = NDManager.newBaseManager()) {
            RandomInit init = new RandomInit(3);
            float[] a = init.create("down.0.weight", new long[] {4, 8}, m, DataType.FLOAT32)
                    .toFloatArray();
            float[] b = init.create("down.0.weight", new long[] {4, 8}, m, DataType.FLOAT32)
                    .toFloatArray();
            float[] c = init.create("down.1.weight", new long[] {4, 8}, m, DataType.FLOAT32)
                    .toFloatArray();
            assertThat(a).containsExactly(b);
            assertThat(a).isNotEqualTo(c);
            assertThat(init.create("norm.weight", new long[] {5}, m, DataType.FLOAT32)
                            .toFloatArray())
                    .containsOnly(1f);
            assertThat(init.create("proj.bias", new long[] {5}, m, DataType.FLOAT32)
                            .toFloatArray())
                    .containsOnly(0f);
        }
    }
}
