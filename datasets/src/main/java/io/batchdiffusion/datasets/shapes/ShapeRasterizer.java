package io.batchdiffusion.datasets.shapes;

import java.util.List;

/**
 * Draws flat shapes without antialiasing: a pixel belongs to a shape when its centre lies inside, so
 * images are exact functions of the specs on every machine.
 */
final class ShapeRasterizer {

    private ShapeRasterizer() {}

    static byte[] draw(int width, int height, NamedColour background, List<ShapeSpec> shapes) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            put(rgb, i, background);
        }
        for (ShapeSpec shape : shapes) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (covers(shape, x + 0.5, y + 0.5)) {
                        put(rgb, y * width + x, shape.colour());
                    }
                }
            }
        }
        return rgb;
    }

    /** Whether the point (px, py) lies inside the shape; its box is {@code extent} wide around the centre. */
    static boolean covers(ShapeSpec s, double px, double py) {
        double left = s.centerX() - s.extent() / 2;
        double top = s.centerY() - s.extent() / 2;
        double size = s.extent();
        if (px < left || px > left + size || py < top || py > top + size) {
            return false;
        }
        double cx = left + size / 2;
        return switch (s.kind()) {
            case SQUARE -> true;
            case CIRCLE -> {
                double dx = px - cx;
                double dy = py - (top + size / 2);
                yield dx * dx + dy * dy <= size * size / 4;
            }
            // upright isosceles: apex at the top centre, base along the bottom edge
            case TRIANGLE -> Math.abs(px - cx) <= (py - top) / 2;
        };
    }

    private static void put(byte[] rgb, int pixel, NamedColour c) {
        rgb[pixel * 3] = (byte) c.red();
        rgb[pixel * 3 + 1] = (byte) c.green();
        rgb[pixel * 3 + 2] = (byte) c.blue();
    }
}
