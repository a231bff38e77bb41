package io.batchdiffusion.parity;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.clip.ClipTextOutput;
import io.batchdiffusion.weights.SafeTensorsFile;

/** {@code text_encoder.safetensors}: last hidden state, penultimate layer and pooled output. */
final class TextEncoderParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        SafeTensorsFile golden = fixture.golden("text_encoder.safetensors").orElse(null);
        if (golden == null) {
            report.note("no text_encoder.safetensors; text encoder not checked");
            return;
        }
        try (NDManager m = fixture.manager().newSubManager()) {
            ClipTextModel model = ClipTextModel.load(fixture.model().resolve("text_encoder"), m, DataType.FLOAT32);
            ClipTextOutput out = model.forward(GoldenFixture.tensor(golden, "input_ids", m));
            report.compare(
                    "text_encoder",
                    "last_hidden_state",
                    out.lastHiddenState(),
                    GoldenFixture.tensor(golden, "last_hidden_state", m),
                    COMPONENT);
            report.compare(
                    "text_encoder",
                    "penultimate_hidden_state",
                    out.penultimateHiddenState(),
                    GoldenFixture.tensor(golden, "penultimate_hidden_state", m),
                    COMPONENT);
            report.compare(
                    "text_encoder",
                    "pooler_output",
                    out.pooled(),
                    GoldenFixture.tensor(golden, "pooler_output", m),
                    COMPONENT);
        }
    }
}
