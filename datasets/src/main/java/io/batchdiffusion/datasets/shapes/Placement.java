package io.batchdiffusion.datasets.shapes;

/** Where a shape sits, with the caption phrase that says so. */
public enum Placement {
    CENTER("in the center", 0, 0),
    TOP_LEFT("in the top left corner", -1, -1),
    TOP_RIGHT("in the top right corner", 1, -1),
    BOTTOM_LEFT("in the bottom left corner", -1, 1),
    BOTTOM_RIGHT("in the bottom right corner", 1, 1);

    private final String phrase;
    private final int dx;
    private final int dy;

    Placement(String phrase, int dx, int dy) {
        this.phrase = phrase;
        this.dx = dx;
        this.dy = dy;
    }

    public String phrase() {
        return phrase;
    }

    /** The corner diagonally opposite (the centre has none). */
    Placement opposite() {
        return switch (this) {
            case TOP_LEFT -> BOTTOM_RIGHT;
            case BOTTOM_RIGHT -> TOP_LEFT;
            case TOP_RIGHT -> BOTTOM_LEFT;
            case BOTTOM_LEFT -> TOP_RIGHT;
            case CENTER -> CENTER;
        };
    }

    /**
     * The centre coordinate along one axis for a shape of {@code extent} pixels: the middle of the image,
     * or {@code margin} pixels in from the edge the placement names.
     */
    int center(int imageSize, int extent, int margin, boolean horizontal) {
        int direction = horizontal ? dx : dy;
        if (direction == 0) {
            return imageSize / 2;
        }
        int near = margin + extent / 2;
        return direction < 0 ? near : imageSize - near;
    }
}
