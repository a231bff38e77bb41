package io.batchdiffusion.training;

import io.batchdiffusion.datasets.shapes.NamedColour;
import io.batchdiffusion.datasets.shapes.ShapeKind;
import io.batchdiffusion.datasets.shapes.ShapeReader;
import io.batchdiffusion.datasets.shapes.ShapeReading;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapeSpec;

/**
 * One held-out caption of the evaluation: the scene it describes, the caption of another case used as
 * the mismatched caption for CLIP, and the same caption with the shape's colour or its shape swapped.
 */
record EvalCase(ShapeScene scene, String mismatched) {

    String caption() {
        return scene.caption();
    }

    /** The caption with the shape's colour replaced by the next colour that is neither it nor the background. */
    String colourSwapped() {
        ShapeSpec shape = scene.shape();
        NamedColour[] colours = NamedColour.values();
        NamedColour other = shape.colour();
        do {
            other = colours[(other.ordinal() + 1) % colours.length];
        } while (other == shape.colour() || other == scene.background());
        String phrase = shape.colour().word() + " " + shape.kind().word();
        return caption().replaceFirst(phrase, other.word() + " " + shape.kind().word());
    }

    /** The caption with the shape's kind replaced by the next kind ("circle" becomes "square"). */
    String shapeSwapped() {
        ShapeSpec shape = scene.shape();
        ShapeKind[] kinds = ShapeKind.values();
        ShapeKind other = kinds[(shape.kind().ordinal() + 1) % kinds.length];
        String phrase = shape.colour().word() + " " + shape.kind().word();
        return caption().replaceFirst(phrase, shape.colour().word() + " " + other.word());
    }

    /** What the pixel reader sees in a render of this caption, judged against the scene. */
    Judgement judge(byte[] rgb, int width, int height) {
        ShapeReading reading = ShapeReader.read(rgb, width, height);
        return new Judgement(
                reading,
                reading.colour() == scene.shape().colour(),
                reading.shape() == scene.shape().kind());
    }

    /** The reader's view of a render and whether its colour and shape match the caption. */
    record Judgement(ShapeReading reading, boolean colourRight, boolean shapeRight) {}
}
