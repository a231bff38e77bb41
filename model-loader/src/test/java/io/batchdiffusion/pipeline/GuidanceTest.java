package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Classifier-free guidance and guidance rescale on a mixed batch, checked against diffusers' formulas
 * computed here in doubles: {@code uncond + g (cond - uncond)}, then rescale_noise_cfg's {@code phi *
 * guided * std(cond) / std(guided) + (1 - phi) * guided} with unbiased per-sample standard deviations.
 */
class GuidanceTest {

    private static final int SAMPLE = 4 * 3 * 3;

    @Test
    void combinesEachRowWithItsOwnScaleAndRescale() {
        List<RenderRequest> requests = List.of(
                RenderRequest.of("a").withGuidanceScale(7.5).withGuidanceRescale(0.7),
                RenderRequest.of("b").withGuidanceScale(1.0),
                RenderRequest.of("c").withGuidanceScale(3.0));
        Random random = new Random(5);
        // Rows: uncond of the two guided requests (a, c), then cond of all three (a, b, c).
        float[][] rows = new float[5][SAMPLE];
        for (float[] row : rows) {
            for (int i = 0; i < SAMPLE; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] flat = new float[5 * SAMPLE];
            for (int r = 0; r < 5; r++) {
                System.arraycopy(rows[r], 0, flat, r * SAMPLE, SAMPLE);
            }
            NDArray prediction = manager.create(flat, new Shape(5, 4, 3, 3));
            DenoisingLoop.Guidance guidance = DenoisingLoop.Guidance.of(requests, manager);
            float[] combined = guidance.combine(prediction).toFloatArray();

            double[][] expected = {
                rescaled(guided(rows[0], rows[2], 7.5), rows[2], 0.7), toDouble(rows[3]), guided(rows[1], rows[4], 3.0)
            };
            for (int r = 0; r < 3; r++) {
                for (int i = 0; i < SAMPLE; i++) {
                    assertThat((double) combined[r * SAMPLE + i])
                            .as("row %d element %d", r, i)
                            .isCloseTo(expected[r][i], within(1e-4));
                }
            }
        }
    }

    @Test
    void aBatchWithoutGuidanceIsPassedThroughUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray prediction = manager.randomNormal(new Shape(2, 4, 3, 3));
            DenoisingLoop.Guidance guidance = DenoisingLoop.Guidance.of(
                    List.of(
                            RenderRequest.of("a").withGuidanceScale(1),
                            RenderRequest.of("b").withGuidanceScale(0.5)),
                    manager);
            assertThat(guidance.doubled(prediction)).isSameAs(prediction);
            assertThat(guidance.combine(prediction).toFloatArray()).containsExactly(prediction.toFloatArray());
        }
    }

    private static double[] guided(float[] uncond, float[] cond, double scale) {
        double[] out = new double[SAMPLE];
        for (int i = 0; i < SAMPLE; i++) {
            out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
        }
        return out;
    }

    private static double[] rescaled(double[] guided, float[] cond, double phi) {
        double ratio = std(toDouble(cond)) / std(guided);
        double[] out = new double[SAMPLE];
        for (int i = 0; i < SAMPLE; i++) {
            out[i] = phi * guided[i] * ratio + (1 - phi) * guided[i];
        }
        return out;
    }

    private static double std(double[] x) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double sum = 0;
        for (double v : x) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (x.length - 1));
    }

    private static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
