package io.batchdiffusion.unet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UNetLoadingErrorsTest {

    @TempDir
    Path dir;

    /** The folder has no weights at all: the config must be refused before they are looked for. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "class_embed_type|\"timestep\"",
                "num_class_embeds|10",
                "addition_embed_type|\"text_time\"",
                "encoder_hid_dim|768",
                "time_cond_proj_dim|256",
                "time_embedding_type|\"fourier\"",
                "resnet_time_scale_shift|\"scale_shift\"",
                "dual_cross_attention|true",
                "attention_type|\"gated\"",
                "mid_block_type|\"UNetMidBlock2DSimpleCrossAttn\"",
                "down_block_types|[\"SimpleCrossAttnDownBlock2D\", \"DownBlock2D\"]",
                "up_block_types|[\"UpBlock2D\", \"AttnUpBlock2D\"]",
                "act_fn|\"mish\"",
                "attention_head_dim|[8, 8, 8]",
                "transformer_layers_per_block|[[1, 2], [1, 2]]",
            })
    void unsupportedOptionsFailNamingTheConfigFileAndKey(String key, String json) throws IOException {
        ObjectNode config = UNetConfigVariantsTest.fixtureConfig();
        config.set(key, io.batchdiffusion.config.ConfigLoader.mapper().readTree(json));
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> UNet2DConditionModel.load(dir, manager, DataType.FLOAT32))
                    .isInstanceOf(InvalidModelFileException.class)
                    .hasMessageContaining(dir.resolve("config.json").toString())
                    .hasMessageContaining(key);
        }
    }

    @Test
    void aMissingTensorFailsNamingIt() throws IOException {
        copyFixtureWithout("mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight");
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> UNet2DConditionModel.load(dir, manager, DataType.FLOAT32))
                    .isInstanceOf(InvalidModelFileException.class)
                    .hasMessageContaining(
                            "missing tensor 'mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight'");
        }
    }

    @Test
    void aTensorOfTheWrongShapeFailsNamingIt() throws IOException {
        // cross_attention_dim 48 makes every to_k/to_v [..., 48] where the checkpoint has [..., 32]
        copyFixtureWithout(null);
        ObjectNode config = UNetConfigVariantsTest.fixtureConfig();
        config.put("cross_attention_dim", 48);
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> UNet2DConditionModel.load(dir, manager, DataType.FLOAT32))
                    .isInstanceOf(InvalidModelFileException.class)
                    .hasMessageContaining(
                            "'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight' has shape [32, 32]"
                                    + " but the model config needs [32, 48]");
        }
    }

    private void copyFixtureWithout(String dropped) throws IOException {
        Path unet = Fixtures.tinySdA().resolve("unet");
        Files.copy(unet.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsFile file = SafeTensorsFile.open(unet.resolve("diffusion_pytorch_model.safetensors"));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        file.tensors().forEach((name, info) -> {
            if (!name.equals(dropped)) {
                writer.add(name, info.type(), info.shape(), () -> file.bytes(name));
            }
        });
        writer.write(dir.resolve("diffusion_pytorch_model.safetensors"));
    }
}
