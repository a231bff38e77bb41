package io.batchdiffusion.training;

import io.batchdiffusion.datasets.shapes.NamedColour;
import io.batchdiffusion.datasets.shapes.ShapeKind;
import io.batchdiffusion.pipeline.RenderedImage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of an evaluation, with per-colour and per-shape breakdowns and the guided renders. */
record EvalReport(
        EvalSettings settings,
        int images,
        int colourRight,
        int shapeRight,
        int clipRight,
        int clipSwapRight,
        int clipShapeSwapRight,
        int unguidedColourRight,
        Map<NamedColour, int[]> byColour,
        Map<ShapeKind, int[]> byShape,
        List<EvalCase> cases,
        List<RenderedImage> renders) {

    static final double COLOUR_TARGET = 0.8;
    static final double SHAPE_TARGET = 0.6;
    static final double CLIP_TARGET = 0.9;

    double colourAccuracy() {
        return colourRight / (double) images;
    }

    double shapeAccuracy() {
        return shapeRight / (double) images;
    }

    double clipAccuracy() {
        return clipRight / (double) images;
    }

    double clipSwapAccuracy() {
        return clipSwapRight / (double) images;
    }

    double clipShapeSwapAccuracy() {
        return clipShapeSwapRight / (double) images;
    }

    double unguidedColourAccuracy() {
        return unguidedColourRight / (double) images;
    }

    boolean meetsTargets() {
        return colourAccuracy() >= COLOUR_TARGET
                && shapeAccuracy() >= SHAPE_TARGET
                && clipAccuracy() >= CLIP_TARGET
                && colourAccuracy() > unguidedColourAccuracy();
    }

    String format() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "%d held-out captions (combinations never trained), %d DDIM steps, seeds %d..%d%n",
                images,
                settings.steps(),
                settings.seed() * 1000,
                settings.seed() * 1000 + images - 1));
        line(s, "colour accuracy, guidance " + fmt(settings.guidance()), colourAccuracy(), COLOUR_TARGET);
        line(s, "shape accuracy, guidance " + fmt(settings.guidance()), shapeAccuracy(), SHAPE_TARGET);
        line(s, "CLIP true > mismatched caption", clipAccuracy(), CLIP_TARGET);
        s.append(String.format(
                Locale.ROOT, "%-36s %5.1f%%%n", "CLIP true > colour-swapped caption", 100 * clipSwapAccuracy()));
        s.append(String.format(
                Locale.ROOT, "%-36s %5.1f%%%n", "CLIP true > shape-swapped caption", 100 * clipShapeSwapAccuracy()));
        s.append(String.format(
                Locale.ROOT,
                "%-36s %5.1f%%  (guidance matters: %s)%n",
                "colour accuracy, guidance 1",
                100 * unguidedColourAccuracy(),
                colourAccuracy() > unguidedColourAccuracy() ? "yes" : "NO"));
        s.append("by shape colour (colour right / n):");
        byColour.forEach((c, n) -> s.append(' ')
                .append(c.word())
                .append(' ')
                .append(n[0])
                .append('/')
                .append(n[1]));
        s.append(System.lineSeparator()).append("by shape (shape right / n):");
        byShape.forEach((k, n) -> s.append(' ')
                .append(k.word())
                .append(' ')
                .append(n[0])
                .append('/')
                .append(n[1]));
        s.append(System.lineSeparator()).append(meetsTargets() ? "all targets met" : "TARGETS NOT MET");
        return s.append(System.lineSeparator()).toString();
    }

    private static void line(StringBuilder s, String what, double value, double target) {
        s.append(String.format(
                Locale.ROOT,
                "%-36s %5.1f%%  (target >= %.0f%%)%s%n",
                what,
                100 * value,
                100 * target,
                value >= target ? "" : "  MISSED"));
    }

    private static String fmt(double guidance) {
        return guidance == Math.rint(guidance) ? Long.toString((long) guidance) : Double.toString(guidance);
    }

    /** Tallies cases as they are judged. */
    static final class Builder {
        private final EvalSettings settings;
        private final Map<NamedColour, int[]> byColour = new EnumMap<>(NamedColour.class);
        private final Map<ShapeKind, int[]> byShape = new EnumMap<>(ShapeKind.class);
        private final List<EvalCase> cases = new ArrayList<>();
        private int colour;
        private int shape;
        private int clip;
        private int clipSwap;
        private int clipShapeSwap;
        private int unguidedColour;

        Builder(EvalSettings settings) {
            this.settings = settings;
        }

        void add(
                EvalCase c,
                EvalCase.Judgement guided,
                EvalCase.Judgement unguided,
                boolean clipWins,
                boolean swapWins,
                boolean shapeSwapWins) {
            cases.add(c);
            colour += guided.colourRight() ? 1 : 0;
            shape += guided.shapeRight() ? 1 : 0;
            clip += clipWins ? 1 : 0;
            clipSwap += swapWins ? 1 : 0;
            clipShapeSwap += shapeSwapWins ? 1 : 0;
            unguidedColour += unguided.colourRight() ? 1 : 0;
            int[] perColour = byColour.computeIfAbsent(c.scene().shape().colour(), k -> new int[2]);
            perColour[0] += guided.colourRight() ? 1 : 0;
            perColour[1]++;
            int[] perShape = byShape.computeIfAbsent(c.scene().shape().kind(), k -> new int[2]);
            perShape[0] += guided.shapeRight() ? 1 : 0;
            perShape[1]++;
        }

        EvalReport build(List<RenderedImage> renders) {
            return new EvalReport(
                    settings,
                    cases.size(),
                    colour,
                    shape,
                    clip,
                    clipSwap,
                    clipShapeSwap,
                    unguidedColour,
                    byColour,
                    byShape,
                    List.copyOf(cases),
                    renders);
        }
    }
}
