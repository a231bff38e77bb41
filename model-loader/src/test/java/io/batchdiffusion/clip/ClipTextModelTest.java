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
import io.batchdiffusion.weights.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTextModelTest {

    private static final double TOLERANCE = 1e-4;

    private static NDManager manager;
    private static ClipTextModel model;
    private static SafeTensorsFile golden;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        model = ClipTextModel.load(Fixtures.tinySdA().resolve("text_encoder"), manager, DataType.FLOAT32);
        golden = Fixtures.golden("text_encoder.safetensors");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void bindsEveryTensorOfTheCheckpoint() {
        assertThat(model.unused()).isEmpty();
        assertThat(model.config().eosTokenId()).isEqualTo(2);
        assertThat(model.config().hiddenAct()).isEqualTo("quick_gelu");
    }

    @Test
    void matchesTransformersLastPenultimateAndPooledOutputs() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray ids = Fixtures.load(golden, "input_ids", batch);
            ClipTextOutput out = model.forward(ids);
            Tensors.assertClose(
                    "text_encoder last_hidden_state",
                    out.lastHiddenState(),
                    Fixtures.load(golden, "last_hidden_state", batch),
                    TOLERANCE);
            Tensors.assertClose(
                    "text_encoder penultimate_hidden_state",
                    out.penultimateHiddenState(),
                    Fixtures.load(golden, "penultimate_hidden_state", batch),
                    TOLERANCE);
            Tensors.assertClose(
                    "text_encoder pooler_output (argmax rule)",
                    out.pooled(),
                    Fixtures.load(golden, "pooler_output", batch),
                    TOLERANCE);
            assertThat(out.lastHiddenState().getManager()).isSameAs(batch);
        }
    }

    @Test
    void clipSkipTakesHiddenStatesCountedFromTheEnd() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray ids = Fixtures.load(golden, "input_ids", batch).get(new NDIndex("0:3"));
            ClipTextOutput out = model.forward(ids);
            Tensors.assertClose(
                    "hiddenStateFromEnd(1) == penultimate",
                    model.hiddenStateFromEnd(ids, null, 1),
                    out.penultimateHiddenState(),
                    0);
            Tensors.assertClose(
                    "promptEmbeddings(clipSkip 0) == last_hidden_state",
                    model.promptEmbeddings(ids, null, 0),
                    out.lastHiddenState(),
                    0);
            NDArray expectedSkip1 =
                    Fixtures.load(golden, "penultimate_hidden_state", batch).get(new NDIndex("0:3"));
            Tensors.assertClose(
                    "promptEmbeddings(clipSkip 1) == final_layer_norm(hidden_states[-2])",
                    model.promptEmbeddings(ids, null, 1),
                    finalNorm(expectedSkip1),
                    TOLERANCE);
            assertThat(model.hiddenStateFromEnd(ids, null, 5).getShape()).isEqualTo(new Shape(3, 77, 32));
            assertThatThrownBy(() -> model.hiddenStateFromEnd(ids, null, 6)).hasMessageContaining("has 5 layers");
        }
    }

    @Test
    void anAllOnesAttentionMaskChangesNothing() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray ids = Fixtures.load(golden, "input_ids", batch).get(new NDIndex("0:2"));
            NDArray ones = batch.ones(ids.getShape(), DataType.INT64);
            Tensors.assertClose(
                    "mask of ones",
                    model.forward(ids, ones).lastHiddenState(),
                    model.forward(ids).lastHiddenState(),
                    1e-6);
        }
    }

    @Test
    void poolsAtTheFirstEosTokenWhenTheConfigEosIdIsNotTheLegacyTwo(@TempDir Path tmp) throws IOException {
        Path folder = copyTextEncoder(tmp, "\"eos_token_id\": 2", "\"eos_token_id\": 530");
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel modern = ClipTextModel.load(folder, m, DataType.FLOAT32);
            // The legacy argmax rule would pick position 5 (id 49407).
            NDArray ids = m.create(new long[] {49406, 320, 530, 1125, 530, 49407}, new Shape(1, 6));
            ClipTextOutput out = modern.forward(ids);
            Tensors.assertClose(
                    "pooled at the first eos_token_id (position 2)",
                    out.pooled(),
                    out.lastHiddenState().get(new NDIndex(":, 2, :")),
                    0);
        }
    }

    @Test
    void rejectsTooLongOrOutOfVocabularyIdsBeforeRunning() {
        try (NDManager batch = manager.newSubManager()) {
            NDArray tooLong = batch.zeros(new Shape(1, 78), DataType.INT64);
            assertThatThrownBy(() -> model.forward(tooLong)).hasMessageContaining("max_position_embeddings");
            NDArray outOfVocab = batch.create(new long[] {49406, 49408}, new Shape(1, 2));
            assertThatThrownBy(() -> model.forward(outOfVocab)).hasMessageContaining("vocab_size");
            NDArray floats = batch.zeros(new Shape(1, 2));
            assertThatThrownBy(() -> model.forward(floats)).hasMessageContaining("integers");
        }
    }

    /** The model's own final_layer_norm weights applied to {@code hidden} (a golden state). */
    private static NDArray finalNorm(NDArray hidden) {
        return hidden.getNDArrayInternal()
                .layerNorm(hidden, new Shape(32), finalNormWeight("weight"), finalNormWeight("bias"), 1e-5f)
                .singletonOrThrow();
    }

    private static NDArray finalNormWeight(String name) {
        return model.weights().taken().get("text_model.final_layer_norm." + name);
    }

    static Path copyTextEncoder(Path tmp, String from, String to) throws IOException {
        Path source = Fixtures.tinySdA().resolve("text_encoder");
        Path folder = Files.createDirectories(tmp.resolve("text_encoder"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        Path config = folder.resolve("config.json");
        String json = Files.readString(config);
        assertThat(json).contains(from);
        Files.writeString(config, json.replace(from, to));
        return folder;
    }
}
