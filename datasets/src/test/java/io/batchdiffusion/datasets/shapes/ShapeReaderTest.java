package io.batchdiffusion.datasets.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeReaderTest {

    @Test
    void readsTheColourAndShapeOfEveryGeneratedSingleShapeImage() {
        int n = 0;
        for (ShapeScene s : ShapesDataset.heldOut(5).scenes(0, 300)) {
            ShapeReading r = ShapeReader.read(s.rgb(), s.width(), s.height());
            assertThat(r.background()).as(s.caption()).isEqualTo(s.background());
            assertThat(r.colour()).as(s.caption()).isEqualTo(s.shape().colour());
            assertThat(r.shape())
                    .as(s.caption() + " fill " + r.fillRatio())
                    .isEqualTo(s.shape().kind());
            n++;
        }
        assertThat(n).isEqualTo(300);
    }

    @Test
    void fillRatiosSeparateSquaresCirclesAndTriangles() {
        for (int extent = 8; extent <= 16; extent++) {
            assertThat(fill(ShapeKind.SQUARE, extent)).isEqualTo(1.0);
            assertThat(fill(ShapeKind.CIRCLE, extent)).isBetween(0.7, 0.88);
            assertThat(fill(ShapeKind.TRIANGLE, extent)).isBetween(0.45, 0.62);
        }
    }

    @Test
    void aBlurredSquareStillReadsAsASquareAndABlankImageAsNoShape() {
        ShapeSpec square =
                new ShapeSpec(ShapeKind.SQUARE, NamedColour.RED, ShapeSize.LARGE, Placement.CENTER, 16, 16, 14);
        byte[] rgb = ShapeRasterizer.draw(32, 32, NamedColour.BLUE, List.of(square));
        byte[] blurred = boxBlur(rgb, 32, 32);
        ShapeReading r = ShapeReader.read(blurred, 32, 32);
        assertThat(r.colour()).isEqualTo(NamedColour.RED);
        assertThat(r.shape()).isEqualTo(ShapeKind.SQUARE);
        ShapeReading blank = ShapeReader.read(ShapeRasterizer.draw(32, 32, NamedColour.GREEN, List.of()), 32, 32);
        assertThat(blank.background()).isEqualTo(NamedColour.GREEN);
        assertThat(blank.colour()).isNull();
        assertThat(blank.shape()).isNull();
    }

    private static double fill(ShapeKind kind, int extent) {
        ShapeSpec s = new ShapeSpec(kind, NamedColour.WHITE, ShapeSize.LARGE, Placement.CENTER, 16, 16, extent);
        byte[] rgb = ShapeRasterizer.draw(32, 32, NamedColour.BLACK, List.of(s));
        return ShapeReader.read(rgb, 32, 32).fillRatio();
    }

    private static byte[] boxBlur(byte[] rgb, int w, int h) {
        byte[] out = new byte[rgb.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int sum = 0, count = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx, yy = y + dy;
                            if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
                                sum += rgb[(yy * w + xx) * 3 + c] & 0xFF;
                                count++;
                            }
                        }
                    }
                    out[(y * w + x) * 3 + c] = (byte) (sum / count);
                }
            }
        }
        return out;
    }
}
