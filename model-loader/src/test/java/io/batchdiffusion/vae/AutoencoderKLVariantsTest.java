package io.batchdiffusion.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.blocks.RandomCheckpoint;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoencoderKLVariantsTest {

    @TempDir
    Path dir;

    @Test
    void checkpointsWithPre015AttentionNamesDecodeTheSame() throws IOException {
        Path vae = Fixtures.tinySdA().resolve("vae");
        Files.copy(vae.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsFile file = SafeTensorsFile.open(vae.resolve("diffusion_pytorch_model.safetensors"));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        file.tensors().forEach((name, info) -> {
            String legacy = name.replace(".to_q.", ".query.")
                    .replace(".to_k.", ".key.")
                    .replace(".to_v.", ".value.")
                    .replace(".to_out.0.", ".proj_attn.");
            writer.add(legacy, info.type(), info.shape(), () -> file.bytes(name));
        });
        writer.write(dir.resolve("diffusion_pytorch_model.safetensors"));

        SafeTensorsFile golden = Fixtures.golden("vae.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            AutoencoderKL legacy = AutoencoderKL.load(dir, manager, DataType.FLOAT32);
            assertThat(legacy.unused()).isEmpty();
            NDArray latents = Fixtures.load(golden, "latents", manager).div(0.18215f);
            Tensors.assertClose(
                    "vae decoded (legacy attention names)",
                    legacy.decode(latents),
                    Fixtures.load(golden, "decoded", manager),
                    1e-4);
        }
    }

    @Test
    void threeBlocksRoundTripNonSquareImages() throws IOException {
        ObjectNode config = fixtureConfig();
        config.putArray("block_out_channels").add(32).add(32).add(64);
        config.putArray("down_block_types")
                .add("DownEncoderBlock2D")
                .add("DownEncoderBlock2D")
                .add("DownEncoderBlock2D");
        config.putArray("up_block_types")
                .add("UpDecoderBlock2D")
                .add("UpDecoderBlock2D")
                .add("UpDecoderBlock2D");
        config.put("layers_per_block", 1);
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        RandomCheckpoint.write(dir.resolve("diffusion_pytorch_model.safetensors"), d -> {
            try (NDManager m = NDManager.newBaseManager()) {
                AutoencoderKL.load(d, m, DataType.FLOAT32);
            }
        });
        try (NDManager m = NDManager.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(dir, m, DataType.FLOAT32);
            assertThat(vae.unused()).isEmpty();
            NDArray image = m.randomUniform(-1, 1, new Shape(2, 3, 32, 48));
            LatentDistribution dist = vae.encode(image);
            assertThat(dist.mean().getShape()).isEqualTo(new Shape(2, 4, 8, 12));
            NDArray decoded = vae.decode(dist.sample(m.randomNormal(dist.mean().getShape())));
            assertThat(decoded.getShape()).isEqualTo(image.getShape());
            assertThat(decoded.isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void unsupportedBlockTypesFailNamingTheConfigFile() throws IOException {
        ObjectNode config = fixtureConfig();
        config.putArray("down_block_types").add("DownEncoderBlock2D").add("AttnDownEncoderBlock2D");
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> AutoencoderKL.load(dir, m, DataType.FLOAT32))
                    .isInstanceOf(InvalidModelFileException.class)
                    .hasMessageContaining(dir.resolve("config.json").toString())
                    .hasMessageContaining("down_block_types")
                    .hasMessageContaining("AttnDownEncoderBlock2D");
        }
    }

    private static ObjectNode fixtureConfig() throws IOException {
        return (ObjectNode) ConfigLoader.mapper()
                .readTree(Fixtures.tinySdA().resolve("vae/config.json").toFile());
    }
}
