package io.batchdiffusion.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContactSheetTest {

    private static ReportRow row(long seed, double guidance, String status, String image) {
        return new ReportRow(
                "r1",
                "a red circle",
                "colour",
                seed,
                guidance,
                4,
                null,
                32,
                32,
                status,
                null,
                image,
                status.equals("OK") ? 20f + (float) guidance : null);
    }

    private static BufferedImage solid(Color colour) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, colour.getRGB());
            }
        }
        return image;
    }

    /** Finds the cell grid by its first pixel of the image colour, scanning the first image's row. */
    private static int[] firstPixelOf(BufferedImage sheet, Color colour) {
        for (int y = 0; y < sheet.getHeight(); y++) {
            for (int x = 0; x < sheet.getWidth(); x++) {
                if (sheet.getRGB(x, y) == colour.getRGB()) {
                    return new int[] {x, y};
                }
            }
        }
        throw new AssertionError("no pixel of " + colour);
    }

    @Test
    void seedsAreRowsGuidanceScalesAreColumnsAndFailedOrMissingRendersAreGreyCells() {
        List<ReportRow> rows = new ArrayList<>();
        rows.add(row(0, 1.0, "OK", "mem:red"));
        rows.add(row(0, 4.0, "OK", "mem:red"));
        rows.add(row(0, 7.5, "FAILED", null));
        rows.add(row(1, 1.0, "OK", "mem:gone")); // OK in the table, image lost from the store
        rows.add(row(1, 4.0, "OK", "mem:red"));
        // (seed 1, guidance 7.5) has no row at all
        PromptSheet sheet = PromptSheet.group(rows).get(0);
        Map<String, BufferedImage> store = Map.of("mem:red", solid(Color.RED));

        BufferedImage drawn = ContactSheet.draw(sheet, store::get);

        int[] cell = ContactSheet.cellSize(sheet);
        assertThat(cell).containsExactly(128, 128); // 32 px renders shown at 4x
        int[] origin = firstPixelOf(drawn, Color.RED);
        int stepX = cell[0] + 6;
        int stepY = cell[1] + 18 + 6;
        int[][] red = {{0, 0}, {0, 1}, {1, 1}};
        int[][] grey = {{0, 2}, {1, 0}, {1, 2}};
        for (int[] rc : red) {
            assertThat(drawn.getRGB(origin[0] + rc[1] * stepX + 64, origin[1] + rc[0] * stepY + 10))
                    .as("cell %s", List.of(rc[0], rc[1]))
                    .isEqualTo(Color.RED.getRGB());
        }
        for (int[] rc : grey) {
            assertThat(drawn.getRGB(origin[0] + rc[1] * stepX + 10, origin[1] + rc[0] * stepY + 10))
                    .as("cell %s", List.of(rc[0], rc[1]))
                    .isEqualTo(new Color(0xEE, 0xEE, 0xEE).getRGB());
        }
        assertThat(drawn.getWidth()).isGreaterThan(origin[0] + 2 * stepX + cell[0] - 1);
        assertThat(drawn.getHeight()).isGreaterThan(origin[1] + stepY + cell[1] - 1);
    }

    @Test
    void emptyCellsSayWhy() {
        assertThat(ContactSheet.emptyLabel(null)).isEqualTo("not rendered");
        assertThat(ContactSheet.emptyLabel(row(0, 1, "OOM", null))).isEqualTo("OOM");
        assertThat(ContactSheet.emptyLabel(row(0, 1, "OK", "mem:gone"))).isEqualTo("image missing");
    }

    @Test
    void aPlainRenderGivesAOneCellSheet() {
        PromptSheet sheet =
                PromptSheet.group(List.of(row(42, 7.5, "OK", "mem:red"))).get(0);
        BufferedImage drawn = ContactSheet.draw(sheet, Map.of("mem:red", solid(Color.RED))::get);
        int[] origin = firstPixelOf(drawn, Color.RED);
        assertThat(drawn.getRGB(origin[0] + 127, origin[1] + 127)).isEqualTo(Color.RED.getRGB());
        assertThat(ContactSheet.number(7.5)).isEqualTo("7.5");
        assertThat(ContactSheet.number(4.0)).isEqualTo("4");
    }
}
