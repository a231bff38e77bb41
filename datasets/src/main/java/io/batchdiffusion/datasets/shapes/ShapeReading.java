package io.batchdiffusion.datasets.shapes;

/**
 * What {@link ShapeReader} sees in an image.
 *
 * @param colour the dominant colour that is not the background's, or {@code null} when every pixel is background
 * @param shape the shape whose ideal outline best matches that colour's largest blob, or {@code null}
 * @param fillRatio the blob's pixels over its bounding box's area
 * @param blobPixels the size of that blob
 */
public record ShapeReading(
        NamedColour background, NamedColour colour, ShapeKind shape, double fillRatio, int blobPixels) {}
