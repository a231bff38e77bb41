package io.batchdiffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.blocks.RandomCheckpoint;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config options the tiny-sd-a fixture does not exercise, on small random-weight UNets whose
 * checkpoints hold exactly the tensors the model asks for ({@link RandomCheckpoint}).
 */
class UNetConfigVariantsTest {

    @TempDir
    Path dir;

    @Test
    void linearProjectionPerBlockHeadsAndTwoTransformerLayersRunOnNonSquareAndOddLatents() throws IOException {
        ObjectNode config = fixtureConfig();
        config.put("use_linear_projection", true);
        config.putArray("attention_head_dim").add(2).add(4);
        config.put("transformer_layers_per_block", 2);
        Map<String, long[]> written = writeCheckpoint(config);

        // Independent of our code, the names must be diffusers' (the fixture's) plus a second transformer
        // layer, and only the projections change shape (Linear [out, in] instead of 1x1 conv).
        Map<String, String> expected = new TreeMap<>();
        SafeTensorsFile fixture =
                SafeTensorsFile.open(Fixtures.tinySdA().resolve("unet/diffusion_pytorch_model.safetensors"));
        for (Map.Entry<String, TensorInfo> e : fixture.tensors().entrySet()) {
            long[] shape = e.getKey().matches(".*proj_(in|out)\\.weight")
                    ? Arrays.copyOf(e.getValue().shape(), 2)
                    : e.getValue().shape();
            expected.put(e.getKey(), Arrays.toString(shape));
            if (e.getKey().contains("transformer_blocks.0.")) {
                expected.put(
                        e.getKey().replace("transformer_blocks.0.", "transformer_blocks.1."), Arrays.toString(shape));
            }
        }
        assertThat(shapesByName(written)).isEqualTo(expected);

        assertRuns(2, 16, 24);
        assertRuns(1, 15, 9);
    }

    @Test
    void threeBlocksWithNumAttentionHeadsAndUpcastAttentionRun() throws IOException {
        ObjectNode config = fixtureConfig();
        config.putArray("block_out_channels").add(32).add(32).add(64);
        config.putArray("down_block_types")
                .add("CrossAttnDownBlock2D")
                .add("CrossAttnDownBlock2D")
                .add("DownBlock2D");
        config.putArray("up_block_types")
                .add("UpBlock2D")
                .add("CrossAttnUpBlock2D")
                .add("CrossAttnUpBlock2D");
        config.putArray("num_attention_heads").add(4).add(2).add(2);
        config.put("upcast_attention", true);
        config.put("layers_per_block", 1);
        writeCheckpoint(config);
        assertRuns(1, 16, 24);
    }

    private Map<String, long[]> writeCheckpoint(ObjectNode config) throws IOException {
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        return RandomCheckpoint.write(dir.resolve("diffusion_pytorch_model.safetensors"), d -> {
            try (NDManager m = NDManager.newBaseManager()) {
                UNet2DConditionModel.load(d, m, DataType.FLOAT32);
            }
        });
    }

    private void assertRuns(int batch, int height, int width) {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(dir, m, DataType.FLOAT32);
            assertThat(unet.unused()).isEmpty();
            long crossDim = unet.config().crossAttentionDim().get(0);
            NDArray sample = m.randomNormal(new Shape(batch, 4, height, width));
            NDArray context = m.randomNormal(new Shape(batch, 7, crossDim));
            NDArray out = unet.forward(sample, m.create(500.5f), context);
            assertThat(out.getShape()).isEqualTo(sample.getShape());
            assertThat(out.isNaN().any().getBoolean() || out.isInfinite().any().getBoolean())
                    .as("non-finite output")
                    .isFalse();
        }
    }

    private static Map<String, String> shapesByName(Map<String, long[]> tensors) {
        Map<String, String> shapes = new TreeMap<>();
        tensors.forEach((name, shape) -> shapes.put(name, Arrays.toString(shape)));
        return shapes;
    }

    static ObjectNode fixtureConfig() throws IOException {
        return (ObjectNode) ConfigLoader.mapper()
                .readTree(Fixtures.tinySdA().resolve("unet/config.json").toFile());
    }
}
