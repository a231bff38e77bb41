package io.batchdiffusion.datasets.shapes;

import java.util.Locale;

/** The colours the captions name, far apart in RGB so that the nearest one identifies a drawn colour. */
public enum NamedColour {
    RED(220, 30, 30),
    ORANGE(250, 140, 20),
    YELLOW(245, 225, 30),
    GREEN(30, 160, 50),
    BLUE(30, 70, 225),
    PURPLE(140, 40, 190),
    WHITE(245, 245, 245),
    BLACK(20, 20, 20);

    private final int red;
    private final int green;
    private final int blue;

    NamedColour(int red, int green, int blue) {
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    /** The caption word ("red"). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int red() {
        return red;
    }

    public int green() {
        return green;
    }

    public int blue() {
        return blue;
    }

    /** Squared RGB distance to this colour. */
    public int distanceSquared(int r, int g, int b) {
        int dr = r - red;
        int dg = g - green;
        int db = b - blue;
        return dr * dr + dg * dg + db * db;
    }

    /** The named colour nearest to an RGB value (ties to the earlier constant). */
    public static NamedColour nearest(int r, int g, int b) {
        NamedColour best = RED;
        int bestDistance = Integer.MAX_VALUE;
        for (NamedColour c : values()) {
            int d = c.distanceSquared(r, g, b);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }
}
