package io.batchdiffusion.training;

import io.batchdiffusion.pipeline.RenderedImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG of renders, each enlarged 4x (nearest neighbour, so pixels stay pixels) above its caption. */
final class ExampleGrid {

    private static final int ZOOM = 4;
    private static final int PAD = 8;
    private static final int TEXT_LINES = 3;

    private ExampleGrid() {}

    static void write(Path file, List<RenderedImage> renders, List<String> captions, int columns) {
        System.setProperty("java.awt.headless", "true");
        int cell = renders.get(0).width() * ZOOM;
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        int lineHeight = 13;
        int cellHeight = cell + TEXT_LINES * lineHeight + PAD;
        int rows = (renders.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(
                columns * (cell + PAD) + PAD, rows * (cellHeight + PAD) + PAD, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(font);
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < renders.size(); i++) {
            int x = PAD + (i % columns) * (cell + PAD);
            int y = PAD + (i / columns) * (cellHeight + PAD);
            g.drawImage(enlarged(renders.get(i)), x, y, null);
            g.setColor(Color.DARK_GRAY);
            List<String> lines = wrap(captions.get(i), metrics, cell);
            for (int l = 0; l < Math.min(TEXT_LINES, lines.size()); l++) {
                g.drawString(lines.get(l), x, y + cell + (l + 1) * lineHeight);
            }
        }
        g.dispose();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(grid, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static BufferedImage enlarged(RenderedImage r) {
        BufferedImage image = new BufferedImage(r.width() * ZOOM, r.height() * ZOOM, BufferedImage.TYPE_INT_RGB);
        byte[] rgb = r.rgb();
        for (int y = 0; y < r.height() * ZOOM; y++) {
            for (int x = 0; x < r.width() * ZOOM; x++) {
                int i = ((y / ZOOM) * r.width() + x / ZOOM) * 3;
                image.setRGB(x, y, (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF));
            }
        }
        return image;
    }

    private static List<String> wrap(String text, FontMetrics metrics, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.length() == 0 ? word : line + " " + word;
            if (metrics.stringWidth(candidate) > width && line.length() > 0) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
