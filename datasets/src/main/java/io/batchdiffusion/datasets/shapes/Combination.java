package io.batchdiffusion.datasets.shapes;

/** A shape colour, shape and background colour: the unit the train/held-out split works on. */
public record Combination(NamedColour colour, ShapeKind shape, NamedColour background) {

    @Override
    public String toString() {
        return colour.word() + " " + shape.word() + " on " + background.word();
    }
}
