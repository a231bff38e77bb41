package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import org.junit.jupiter.api.Test;

/**
 * Float16 weights and activations (what a GPU run would use): masks take float16's finite minimum, and
 * results stay within half-precision error of the float32 goldens (measured ~7e-3 on the CPU).
 */
class ClipHalfPrecisionTest {

    private static final double HALF_TOLERANCE = 2e-2;

    @Test
    void textEncoderAndScorerRunInFloat16WithinHalfPrecisionError() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel text = ClipTextModel.load(Fixtures.tinySdA().resolve("text_encoder"), m, DataType.FLOAT16);
            SafeTensorsFile g = Fixtures.golden("text_encoder.safetensors");
            NDArray ids = Fixtures.load(g, "input_ids", m);
            ClipTextOutput out = text.forward(ids, m.ones(ids.getShape(), DataType.INT64));
            Tensors.assertClose(
                    "float16 last_hidden_state (causal + padding mask)",
                    out.lastHiddenState(),
                    Fixtures.load(g, "last_hidden_state", m),
                    HALF_TOLERANCE);

            ClipModel clip = ClipModel.load(Fixtures.tinySdA().resolve("clip-scorer"), m, DataType.FLOAT16);
            SafeTensorsFile c = Fixtures.golden("clip_score.safetensors");
            Tensors.assertClose(
                    "float16 get_image_features",
                    clip.imageFeatures(Fixtures.load(c, "pixel_values", m)),
                    Fixtures.load(c, "image_embeds", m),
                    HALF_TOLERANCE);
            Tensors.assertClose(
                    "float16 get_text_features",
                    clip.textFeatures(Fixtures.load(c, "input_ids", m), Fixtures.load(c, "attention_mask", m)),
                    Fixtures.load(c, "text_embeds", m),
                    HALF_TOLERANCE);
        }
    }
}
