package io.batchdiffusion.datasets.shapes;

import java.util.Locale;

/** The shapes the generator draws. */
public enum ShapeKind {
    CIRCLE,
    SQUARE,
    TRIANGLE;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
