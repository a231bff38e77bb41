package io.batchdiffusion.datasets.shapes;

import java.util.List;

/**
 * A generated image with its caption and structured labels.
 *
 * @param rgb interleaved 8-bit RGB rows, {@code width * height * 3} bytes
 * @param caption the caption drawn for this scene at generation (others can be made with {@link Captions})
 */
public record ShapeScene(
        long index, int width, int height, NamedColour background, List<ShapeSpec> shapes, String caption, byte[] rgb) {

    public ShapeScene {
        shapes = List.copyOf(shapes);
    }

    /** The first (for single-shape scenes, the only) shape. */
    public ShapeSpec shape() {
        return shapes.get(0);
    }

    /** This scene with another caption. */
    public ShapeScene withCaption(String other) {
        return new ShapeScene(index, width, height, background, shapes, other, rgb);
    }
}
