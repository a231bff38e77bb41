package io.batchdiffusion.clip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Pillow parity of the resampler. {@code pil_resize_reference.json} holds Pillow's own {@code
 * Image.resize} output for a deterministic pattern (made by {@code pil_resize_reference.py} beside it,
 * Pillow 11.3.0, whose {@code Resample.c} 8-bit path is the one transformers 4.39 used): downscale by
 * 2.5x and 8.7x (antialiased: the filter's support stretches with the scale), upscale, mixed axes, every
 * filter. The pattern wraps from 255 to 0, so cubic overshoot exercises the clipping of both passes.
 * Matching means every byte equal: same coefficient rounding (22-bit fixed point), same 2^21 bias, same
 * uint8 clip after the horizontal pass.
 */
class PilResampleTest {

    @Test
    void reproducesPillowResizeByteForByteForEveryReferenceCase() throws IOException {
        JsonNode reference;
        try (InputStream in = PilResampleTest.class.getResourceAsStream("pil_resize_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        assertThat(reference.get("cases")).hasSizeGreaterThan(5);
        for (JsonNode c : reference.get("cases")) {
            int w = c.get("width").asInt();
            int h = c.get("height").asInt();
            int ow = c.get("out_width").asInt();
            int oh = c.get("out_height").asInt();
            PilResample.Filter filter = PilResample.Filter.fromPil(c.get("code").asInt(), "test");
            byte[] expected = Base64.getDecoder().decode(c.get("rgb_base64").asText());
            byte[] actual = PilResample.resize(pattern(w, h), w, h, ow, oh, filter);
            String what = filter + " " + w + "x" + h + " -> " + ow + "x" + oh;
            System.out.printf("%-40s differing bytes: %d of %d%n", what, differing(actual, expected), expected.length);
            assertThat(actual).as(what).isEqualTo(expected);
        }
    }

    @Test
    void keepsAConstantImageConstantWhateverTheScale() {
        byte[] grey = new byte[13 * 9 * 3];
        java.util.Arrays.fill(grey, (byte) 200);
        for (PilResample.Filter f : PilResample.Filter.values()) {
            byte[] out = PilResample.resize(grey, 13, 9, 40, 4, f);
            for (byte b : out) {
                assertThat(b & 0xFF).as(f.name()).isEqualTo(200);
            }
        }
    }

    static byte[] pattern(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = (byte) ((x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 13) % 256);
                }
            }
        }
        return rgb;
    }

    private static int differing(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            n += a[i] != b[i] ? 1 : 0;
        }
        return n + Math.abs(a.length - b.length);
    }
}
