package io.batchdiffusion.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.ClipScores;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code clip_score.safetensors}: preprocessing ({@code images_uint8} to {@code pixel_values}, 1e-3:
 * bicubic resampling may differ by a level), each tower from the saved inputs, and the CLIPScores.
 */
final class ClipScoreParity implements ParityCheck {

    private static final double PREPROCESSING = 1e-3;

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        SafeTensorsFile golden = fixture.golden("clip_score.safetensors").orElse(null);
        if (golden == null || !Files.isDirectory(fixture.scorer())) {
            report.note("no clip_score.safetensors or scorer folder " + fixture.scorer() + "; scorer not checked");
            return;
        }
        try (NDManager m = fixture.manager().newSubManager()) {
            ClipScorer scorer = ClipScorer.load(fixture.scorer(), m, DataType.FLOAT32);
            List<RgbImage> images = images(GoldenFixture.tensor(golden, "images_uint8", m));
            NDArray pixels = GoldenFixture.tensor(golden, "pixel_values", m);
            NDArray ids = GoldenFixture.tensor(golden, "input_ids", m);
            NDArray mask = GoldenFixture.tensor(golden, "attention_mask", m);
            report.compare("clip", "pixel_values", scorer.processor().preprocess(images, m), pixels, PREPROCESSING);
            report.compare(
                    "clip",
                    "image_embeds",
                    scorer.model().imageFeatures(pixels),
                    GoldenFixture.tensor(golden, "image_embeds", m),
                    COMPONENT);
            report.compare(
                    "clip",
                    "text_embeds",
                    scorer.model().textFeatures(ids, mask),
                    GoldenFixture.tensor(golden, "text_embeds", m),
                    COMPONENT);
            report.compare(
                    "clip",
                    "logits_per_image",
                    scorer.model().logitsPerImage(pixels, ids, mask),
                    GoldenFixture.tensor(golden, "logits_per_image", m),
                    COMPONENT);
            ClipScores scores = scorer.scoreTokens(images, rows(ids), rows(mask));
            report.compare(
                    "clip",
                    "clip_score_raw",
                    m.create(scores.raw()),
                    GoldenFixture.tensor(golden, "clip_score_raw", m),
                    COMPONENT);
            report.compare(
                    "clip",
                    "clip_score",
                    m.create(scores.clamped()),
                    GoldenFixture.tensor(golden, "clip_score", m),
                    COMPONENT);
        }
    }

    /** The goldens store uint8 NCHW images as float32 integer values. */
    private static List<RgbImage> images(NDArray nchw) {
        List<RgbImage> images = new ArrayList<>();
        long[] s = nchw.getShape().getShape();
        for (long i = 0; i < s[0]; i++) {
            byte[] chw =
                    nchw.get(new NDIndex("{}", i)).toType(DataType.UINT8, false).toByteArray();
            images.add(RgbImage.fromChw(chw, (int) s[1], (int) s[2], (int) s[3]));
        }
        return images;
    }

    private static int[][] rows(NDArray ids) {
        long[] values = ids.toType(DataType.INT64, false).toLongArray();
        int rows = (int) ids.getShape().get(0);
        int cols = (int) ids.getShape().get(1);
        int[][] out = new int[rows][cols];
        for (int i = 0; i < values.length; i++) {
            out[i / cols][i % cols] = (int) values[i];
        }
        return out;
    }
}
