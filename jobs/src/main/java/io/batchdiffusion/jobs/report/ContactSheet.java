package io.batchdiffusion.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A prompt's renders as one grid image drawn with {@code java.awt}: seeds as rows, guidance scales as
 * columns, both axes labelled, each cell captioned with its CLIP score. A render that failed, or whose
 * image cannot be read, gets a grey cell that says why, so the grid keeps its shape.
 */
final class ContactSheet {

    private static final int MARGIN = 12;
    private static final int GAP = 6;
    private static final int CAPTION = 18;
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Color INK = new Color(0x22, 0x22, 0x22);
    private static final Color MUTED = new Color(0x66, 0x66, 0x66);
    private static final Color EMPTY = new Color(0xEE, 0xEE, 0xEE);

    private ContactSheet() {}

    /** Draws {@code sheet}; {@code images} maps an image path to its pixels, or {@code null}. */
    static BufferedImage draw(PromptSheet sheet, Function<String, BufferedImage> images) {
        List<Long> seeds = sheet.seeds();
        List<Double> scales = sheet.guidanceScales();
        int[] cell = cellSize(sheet);
        FontMetrics labels = metrics(LABEL);
        int seedWidth = seeds.stream()
                .mapToInt(s -> labels.stringWidth(Long.toString(s)))
                .max()
                .orElse(0);
        int left = MARGIN + labels.getHeight() + GAP + seedWidth + GAP;
        int top = MARGIN + 2 * labels.getHeight() + GAP;
        int gridWidth = scales.size() * (cell[0] + GAP) - GAP;
        int width = Math.max(left + gridWidth, left + metrics(TITLE).stringWidth("guidance scale")) + MARGIN;
        int height = top + seeds.size() * (cell[1] + CAPTION + GAP) - GAP + MARGIN;

        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            drawAxes(g, seeds, scales, left, top, cell, gridWidth);
            for (int r = 0; r < seeds.size(); r++) {
                for (int c = 0; c < scales.size(); c++) {
                    int x = left + c * (cell[0] + GAP);
                    int y = top + r * (cell[1] + CAPTION + GAP);
                    drawCell(g, sheet.at(seeds.get(r), scales.get(c)), images, x, y, cell);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Cells show images at their own size within 128..256 px on the longer side (tiny renders scale up).
     * The size comes from successful renders; a sheet with none (or nonsense sizes) gets square cells.
     */
    static int[] cellSize(PromptSheet sheet) {
        List<ReportRow> sized = sheet.renders().stream()
                .filter(r -> r.ok() && r.width() > 0 && r.height() > 0)
                .toList();
        int w = sized.stream().mapToInt(ReportRow::width).max().orElse(1);
        int h = sized.stream().mapToInt(ReportRow::height).max().orElse(1);
        int side = Math.max(w, h);
        double scale = Math.max(128, Math.min(256, side)) / (double) side;
        return new int[] {(int) Math.round(w * scale), (int) Math.round(h * scale)};
    }

    private static void drawAxes(
            Graphics2D g, List<Long> seeds, List<Double> scales, int left, int top, int[] cell, int gridWidth) {
        FontMetrics fm = g.getFontMetrics(LABEL);
        g.setFont(TITLE);
        g.setColor(MUTED);
        FontMetrics title = g.getFontMetrics();
        g.drawString(
                "guidance scale",
                left + (gridWidth - title.stringWidth("guidance scale")) / 2,
                MARGIN + fm.getAscent());
        int gridHeight = seeds.size() * (cell[1] + CAPTION + GAP) - GAP;
        AffineTransform saved = g.getTransform();
        g.translate(MARGIN + fm.getAscent(), top + (gridHeight + title.stringWidth("seed")) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString("seed", 0, 0);
        g.setTransform(saved);

        g.setFont(LABEL);
        g.setColor(INK);
        for (int c = 0; c < scales.size(); c++) {
            String label = number(scales.get(c));
            int x = left + c * (cell[0] + GAP) + (cell[0] - fm.stringWidth(label)) / 2;
            g.drawString(label, x, MARGIN + fm.getHeight() + fm.getAscent());
        }
        for (int r = 0; r < seeds.size(); r++) {
            String label = Long.toString(seeds.get(r));
            int y = top + r * (cell[1] + CAPTION + GAP) + (cell[1] + fm.getAscent()) / 2;
            g.drawString(label, left - GAP - fm.stringWidth(label), y);
        }
    }

    private static void drawCell(
            Graphics2D g, ReportRow render, Function<String, BufferedImage> images, int x, int y, int[] cell) {
        BufferedImage image =
                render != null && render.ok() && render.imagePath() != null ? images.apply(render.imagePath()) : null;
        if (image != null) {
            g.drawImage(Thumbnails.fit(image, cell[0], cell[1]), x, y, null);
        } else {
            g.setColor(EMPTY);
            g.fillRect(x, y, cell[0], cell[1]);
            g.setColor(MUTED);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f}, 0f));
            g.drawRect(x, y, cell[0] - 1, cell[1] - 1);
            centred(g, emptyLabel(render), x, y + cell[1] / 2, cell[0]);
        }
        g.setColor(INK);
        Double score = render == null ? null : render.score();
        String caption = score != null ? String.format(Locale.ROOT, "CLIP %.2f", score) : "";
        centred(g, caption, x, y + cell[1] + CAPTION / 2, cell[0]);
    }

    static String emptyLabel(ReportRow render) {
        if (render == null) {
            return "not rendered";
        }
        return render.ok() ? "image missing" : render.status();
    }

    /** Draws {@code text} centred on ({@code x + width / 2}, {@code middle}), cut to fit the width. */
    private static void centred(Graphics2D g, String text, int x, int middle, int width) {
        g.setFont(LABEL);
        FontMetrics fm = g.getFontMetrics();
        String shown = text;
        while (shown.length() > 1 && fm.stringWidth(shown) > width - 4) {
            shown = shown.substring(0, shown.length() - 1);
        }
        g.drawString(shown, x + (width - fm.stringWidth(shown)) / 2, middle + (fm.getAscent() - fm.getDescent()) / 2);
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }

    /** 7.5 → "7.5", 5.0 → "5". */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
