package io.batchdiffusion.datasets.shapes;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Caption templates. A single shape is described with or without its size, its position and the
 * background ("a red circle on a blue background", "a small green square in the top left corner",
 * "a yellow background with a purple triangle"); two shapes are joined with "and".
 */
public final class Captions {

    private Captions() {}

    /**
     * A caption for the scene, its template drawn from {@code random}; with {@code withBackground} only
     * templates that name the background.
     */
    public static String describe(
            NamedColour background, List<ShapeSpec> shapes, RandomGenerator random, boolean withBackground) {
        boolean size = random.nextBoolean();
        boolean position = random.nextBoolean();
        if (shapes.size() > 1) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < shapes.size(); i++) {
                text.append(i == 0 ? "" : " and ").append(phrase(shapes.get(i), size, position));
            }
            return text.append(" on ").append(onBackground(background)).toString();
        }
        String shape = phrase(shapes.get(0), size, position);
        int template = random.nextInt(withBackground ? 4 : 6);
        return switch (template) {
            case 0, 1 -> shape + " on " + onBackground(background);
            case 2 -> shape + ", " + background.word() + " background";
            case 3 -> withArticle(background.word()) + " background with " + shape;
            default -> shape;
        };
    }

    /** "a small red circle in the top left corner", its size and position included as asked. */
    static String phrase(ShapeSpec s, boolean size, boolean position) {
        String words = (size ? s.size().word() + " " : "") + s.colour().word() + " "
                + s.kind().word();
        return withArticle(words) + (position ? " " + s.placement().phrase() : "");
    }

    private static String onBackground(NamedColour background) {
        return withArticle(background.word()) + " background";
    }

    static String withArticle(String words) {
        return ("aeiou".indexOf(words.charAt(0)) >= 0 ? "an " : "a ") + words;
    }
}
