package io.batchdiffusion.datasets.shapes;

import java.util.Locale;

/** Size words, with the extent (diameter, side, or triangle base and height) in pixels of a 32-pixel image. */
public enum ShapeSize {
    SMALL(10, 12),
    LARGE(16, 19);

    private final int minExtent;
    private final int maxExtent;

    ShapeSize(int minExtent, int maxExtent) {
        this.minExtent = minExtent;
        this.maxExtent = maxExtent;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Smallest extent for an image of side {@code imageSize} (scaled from 32 pixels). */
    int minExtent(int imageSize) {
        return Math.max(3, minExtent * imageSize / 32);
    }

    int maxExtent(int imageSize) {
        return Math.max(minExtent(imageSize), maxExtent * imageSize / 32);
    }
}
