package io.batchdiffusion.datasets.shapes;

/**
 * One drawn shape: what the captions say about it and where its pixels are.
 *
 * @param centerX column of the shape's centre
 * @param centerY row of the shape's centre
 * @param extent diameter, side, or triangle base and height, in pixels
 */
public record ShapeSpec(
        ShapeKind kind, NamedColour colour, ShapeSize size, Placement placement, int centerX, int centerY, int extent) {

    /** The combination of this shape on {@code background} that the split holds out or keeps. */
    public Combination on(NamedColour background) {
        return new Combination(colour, kind, background);
    }
}
