package io.batchdiffusion.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipScorerTest {

    private static final double TOLERANCE = 1e-4;

    private static NDManager manager;
    private static ClipScorer scorer;
    private static SafeTensorsFile golden;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        scorer = ClipScorer.load(scorerFolder(), manager, DataType.FLOAT32);
        golden = Fixtures.golden("clip_score.safetensors");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void bindsEveryTensorOfTheScorerCheckpoint() {
        assertThat(scorer.model().unused()).isEmpty();
        ClipModelConfig c = scorer.model().config();
        assertThat(c.projectionDim()).isEqualTo(16);
        assertThat(c.textConfig().numHiddenLayers()).isEqualTo(3);
        assertThat(c.textConfig().vocabSize()).isEqualTo(49408); // a default: the file's text_config omits it
        assertThat(c.visionConfig().patchSize()).isEqualTo(32);
    }

    @Test
    void imageFeaturesMatchGetImageFeatures() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray features = scorer.model().imageFeatures(Fixtures.load(golden, "pixel_values", batch));
            Tensors.assertClose(
                    "get_image_features(pixel_values)",
                    features,
                    Fixtures.load(golden, "image_embeds", batch),
                    TOLERANCE);
            assertThat(features.getManager()).isSameAs(batch);
        }
    }

    @Test
    void textFeaturesMatchGetTextFeaturesWithThePaddingMask() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray features = scorer.model()
                    .textFeatures(
                            Fixtures.load(golden, "input_ids", batch), Fixtures.load(golden, "attention_mask", batch));
            Tensors.assertClose(
                    "get_text_features(input_ids, attention_mask)",
                    features,
                    Fixtures.load(golden, "text_embeds", batch),
                    TOLERANCE);
        }
    }

    @Test
    void scoresTheGoldenImagesAgainstTheirPromptsAsTorchmetrics() {
        try (NDManager batch = manager.newSubManager()) {
            List<RgbImage> images = ClipImageProcessorTest.goldenImages(Fixtures.load(golden, "images_uint8", batch));
            ClipScores scores = scorer.scoreTokens(
                    images,
                    ints(Fixtures.load(golden, "input_ids", batch)),
                    ints(Fixtures.load(golden, "attention_mask", batch)));
            Tensors.assertClose(
                    "clip_score_raw",
                    batch.create(scores.raw()),
                    Fixtures.load(golden, "clip_score_raw", batch),
                    TOLERANCE);
            Tensors.assertClose(
                    "clip_score (clamped)",
                    batch.create(scores.clamped()),
                    Fixtures.load(golden, "clip_score", batch),
                    TOLERANCE);
            Tensors.assertClose(
                    "torchmetrics clip_score (mean, then clamp)",
                    batch.create(new float[] {scores.torchmetricsMean()}),
                    Fixtures.load(golden, "clip_score_torchmetrics_mean", batch),
                    TOLERANCE);
        }
    }

    @Test
    void logitsPerImageUseTheLearnedLogitScale() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray logits = scorer.model()
                    .logitsPerImage(
                            Fixtures.load(golden, "pixel_values", batch),
                            Fixtures.load(golden, "input_ids", batch),
                            Fixtures.load(golden, "attention_mask", batch));
            Tensors.assertClose(
                    "logits_per_image", logits, Fixtures.load(golden, "logits_per_image", batch), TOLERANCE);
        }
    }

    @Test
    void embeddingsAreUnitLengthAndLiveInTheBatchManager() {
        try (NDManager batch = manager.newSubManager()) {
            List<RgbImage> images = ClipImageProcessorTest.goldenImages(Fixtures.load(golden, "images_uint8", batch));
            NDArray embeds = scorer.imageEmbeddings(images, batch);
            assertThat(embeds.getShape()).isEqualTo(new Shape(2, 16));
            assertThat(embeds.getManager()).isSameAs(batch);
            Tensors.assertClose("|image embedding|", embeds.norm(new int[] {1}), batch.ones(new Shape(2)), 1e-6);
            NDArray normalized = ClipModel.l2Normalize(Fixtures.load(golden, "image_embeds", batch));
            Tensors.assertClose("imageEmbeddings(images) vs normalised golden", embeds, normalized, TOLERANCE);
        }
    }

    @Test
    void reranksBestOfNByScoreWithoutReencoding() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray text = batch.create(new float[] {1, 0, 0});
            NDArray images =
                    batch.create(new float[] {0.6f, 0.8f, 0, 1, 0, 0, -1, 0, 0, 0.6f, 0, 0.8f}, new Shape(4, 3));
            assertThat(ClipScorer.rerank(images, text)).containsExactly(1, 0, 3, 2);
            assertThat(ClipScorer.scoresAgainst(images, text))
                    .containsExactly(new float[] {60f, 100f, -100f, 60f}, org.assertj.core.data.Offset.offset(1e-4f));
            assertThatThrownBy(() -> ClipScorer.rerank(images, batch.create(new float[] {1, 0})))
                    .hasMessageContaining("does not match");
        }
    }

    @Test
    void rejectsMismatchedBatchesAndMisshapedInputsBeforeRunning() {
        try (NDManager batch = manager.newSubManager()) {
            RgbImage one = new RgbImage(4, 4, new byte[48]);
            assertThatThrownBy(
                            () -> scorer.scoreTokens(List.of(one), new int[][] {{49406, 49407}, {49406, 49407}}, null))
                    .hasMessageContaining("1 images but 2 token rows");
            assertThatThrownBy(() -> scorer.textEmbeddings(new int[][] {{49406, 49407}, {49406}}, null, batch))
                    .hasMessageContaining("pad them");
            NDArray wrongSize = batch.zeros(new Shape(1, 3, 32, 32));
            assertThatThrownBy(() -> scorer.model().imageFeatures(wrongSize))
                    .hasMessageContaining("[batch, 3, 224, 224]");
        }
    }

    @Test
    void aMisshapedScorerTensorFailsAtLoadNamingTheFileAndTensor(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> changes = new HashMap<>();
            changes.put("visual_projection.weight", m.zeros(new Shape(16, 31)));
            Path folder = doctoredCopy(tmp, changes, null, null);
            assertThatThrownBy(() -> ClipScorer.load(folder, manager, DataType.FLOAT32))
                    .isInstanceOf(InvalidModelFileException.class)
                    .hasMessageContaining(folder.resolve("model.safetensors").toString())
                    .hasMessageContaining("visual_projection.weight")
                    .hasMessageContaining("[16, 31]");
        }
    }

    @Test
    void aMissingScorerTensorFailsAtLoadNamingTheFileAndTensor(@TempDir Path tmp) throws IOException {
        Map<String, NDArray> changes = new HashMap<>();
        changes.put("text_projection.weight", null);
        Path folder = doctoredCopy(tmp, changes, null, null);
        assertThatThrownBy(() -> ClipScorer.load(folder, manager, DataType.FLOAT32))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(folder.resolve("model.safetensors").toString())
                .hasMessageContaining("missing tensor 'text_projection.weight'");
    }

    @Test
    void aVisionConfigThatDisagreesWithThePositionTableFailsNamingTheTensor(@TempDir Path tmp) throws IOException {
        Path folder = doctoredCopy(tmp, Map.of(), VISION_TYPE, VISION_TYPE + " \"image_size\": 160,");
        assertThatThrownBy(() -> ClipModel.load(folder, manager, DataType.FLOAT32))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("vision_model.embeddings.position_embedding.weight")
                .hasMessageContaining("[26, 32]"); // (160 / 32)^2 + 1 positions
    }

    @Test
    void theVisionTowerTakesAnyImageAndPatchSizeOfTheFamily(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            // 64 px in 16 px patches: a 4x4 grid, 17 positions; weights cut from the scorer's.
            SafeTensorsFile original = SafeTensorsFile.open(scorerFolder().resolve("model.safetensors"));
            Map<String, NDArray> changes = new HashMap<>();
            String patch = "vision_model.embeddings.patch_embedding.weight";
            String position = "vision_model.embeddings.position_embedding.weight";
            changes.put(patch, original.load(patch, m, DataType.FLOAT32).get(new NDIndex(":, :, 0:16, 0:16")));
            changes.put(position, original.load(position, m, DataType.FLOAT32).get(new NDIndex("0:17")));
            Path folder =
                    doctoredCopy(tmp, changes, VISION_TYPE, VISION_TYPE + " \"image_size\": 64, \"patch_size\": 16,");
            ClipModel small = ClipModel.load(folder, m, DataType.FLOAT32);
            assertThat(small.unused()).isEmpty();
            ClipVisionOutput out = small.visionModel().forward(m.randomUniform(-1, 1, new Shape(2, 3, 64, 64)));
            assertThat(out.lastHiddenState().getShape()).isEqualTo(new Shape(2, 17, 32));
            assertThat(small.imageFeatures(m.zeros(new Shape(2, 3, 64, 64))).getShape())
                    .isEqualTo(new Shape(2, 16));
        }
    }

    private static final String VISION_TYPE = "\"model_type\": \"clip_vision_model\",";

    private static Path scorerFolder() {
        return Fixtures.tinySdA().resolve("clip-scorer");
    }

    /**
     * A copy of the scorer with tensors replaced (a null value drops the tensor) and one string of its
     * config.json replaced (when {@code from} is not null).
     */
    private static Path doctoredCopy(Path tmp, Map<String, NDArray> changes, String from, String to)
            throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("clip-scorer"));
        try (Stream<Path> files = Files.list(scorerFolder())) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors"))
                    .toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        if (from != null) {
            Path config = folder.resolve("config.json");
            String json = Files.readString(config);
            assertThat(json).contains(from);
            Files.writeString(config, json.replace(from, to));
        }
        SafeTensorsFile original = SafeTensorsFile.open(scorerFolder().resolve("model.safetensors"));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        for (TensorInfo info : original.tensors().values()) {
            if (!changes.containsKey(info.name())) {
                writer.add(info.name(), info.type(), info.shape(), () -> original.bytes(info.name()));
            } else if (changes.get(info.name()) != null) {
                writer.add(info.name(), changes.get(info.name()));
            }
        }
        writer.write(folder.resolve("model.safetensors"));
        return folder;
    }

    private static int[][] ints(NDArray rows) {
        long[] flat = rows.toType(DataType.INT64, false).toLongArray();
        int cols = (int) rows.getShape().get(1);
        int[][] out = new int[(int) rows.getShape().get(0)][cols];
        for (int i = 0; i < flat.length; i++) {
            out[i / cols][i % cols] = (int) flat[i];
        }
        return out;
    }
}
