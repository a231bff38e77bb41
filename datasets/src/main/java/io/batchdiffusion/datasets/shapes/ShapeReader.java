package io.batchdiffusion.datasets.shapes;

import java.util.ArrayDeque;

/**
 * Reads colour and shape from pixels alone, without any trained network: every pixel is mapped to its
 * nearest named colour; the background is the most common colour on the border; the shape colour is
 * the most common other colour; the pixels nearer that colour than the background's form blobs, the
 * largest 4-connected one is compared with an ideal circle, square and triangle drawn in its bounding
 * box, and the best overlap (intersection over union) names the shape.
 */
public final class ShapeReader {

    private ShapeReader() {}

    public static ShapeReading read(byte[] rgb, int width, int height) {
        int n = width * height;
        if (rgb.length != n * 3) {
            throw new IllegalArgumentException(
                    "a " + width + "x" + height + " RGB image has " + n * 3 + " bytes, got " + rgb.length);
        }
        NamedColour[] labels = new NamedColour[n];
        int[] counts = new int[NamedColour.values().length];
        int[] borderCounts = new int[counts.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                labels[i] = NamedColour.nearest(rgb[i * 3] & 0xFF, rgb[i * 3 + 1] & 0xFF, rgb[i * 3 + 2] & 0xFF);
                counts[labels[i].ordinal()]++;
                if (x == 0 || y == 0 || x == width - 1 || y == height - 1) {
                    borderCounts[labels[i].ordinal()]++;
                }
            }
        }
        NamedColour background = NamedColour.values()[argMax(borderCounts, -1)];
        int colourIndex = argMax(counts, background.ordinal());
        if (counts[colourIndex] == 0) {
            return new ShapeReading(background, null, null, 0, 0);
        }
        NamedColour colour = NamedColour.values()[colourIndex];
        // Edge pixels mix the two colours (red on yellow blurs through orange): each pixel goes to whichever
        // of the shape's and the background's colour it is nearer, so the blob keeps its outline.
        boolean[] inShape = new boolean[n];
        for (int i = 0; i < n; i++) {
            int r = rgb[i * 3] & 0xFF;
            int g = rgb[i * 3 + 1] & 0xFF;
            int b = rgb[i * 3 + 2] & 0xFF;
            inShape[i] = colour.distanceSquared(r, g, b) < background.distanceSquared(r, g, b);
        }
        boolean[] blob = largestBlob(inShape, width, height);
        return classify(background, colour, blob, width, height);
    }

    private static ShapeReading classify(
            NamedColour background, NamedColour colour, boolean[] blob, int width, int height) {
        int minX = width, minY = height, maxX = -1, maxY = -1, pixels = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (blob[y * width + x]) {
                    pixels++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        int boxWidth = maxX - minX + 1;
        int boxHeight = maxY - minY + 1;
        ShapeKind best = null;
        double bestOverlap = -1;
        for (ShapeKind kind : ShapeKind.values()) {
            double overlap = overlap(kind, blob, width, minX, minY, boxWidth, boxHeight);
            if (overlap > bestOverlap) {
                bestOverlap = overlap;
                best = kind;
            }
        }
        return new ShapeReading(background, colour, best, pixels / (double) (boxWidth * boxHeight), pixels);
    }

    /** Intersection over union of the blob with the ideal shape inscribed in its bounding box. */
    private static double overlap(ShapeKind kind, boolean[] blob, int width, int x0, int y0, int w, int h) {
        int both = 0;
        int either = 0;
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                // pixel centre in box units [0, 1]
                double u = (x - x0 + 0.5) / w;
                double v = (y - y0 + 0.5) / h;
                boolean ideal =
                        switch (kind) {
                            case SQUARE -> true;
                            case CIRCLE -> (u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5) <= 0.25;
                            case TRIANGLE -> Math.abs(u - 0.5) <= v / 2;
                        };
                boolean seen = blob[y * width + x];
                both += ideal && seen ? 1 : 0;
                either += ideal || seen ? 1 : 0;
            }
        }
        return either == 0 ? 0 : both / (double) either;
    }

    /** The largest 4-connected set of marked pixels. */
    private static boolean[] largestBlob(boolean[] marked, int width, int height) {
        int[] component = new int[marked.length];
        int bestId = 0;
        int bestSize = 0;
        int next = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < marked.length; start++) {
            if (!marked[start] || component[start] != 0) {
                continue;
            }
            int id = ++next;
            int size = 0;
            component[start] = id;
            queue.add(start);
            while (!queue.isEmpty()) {
                int p = queue.poll();
                size++;
                int x = p % width;
                int y = p / width;
                int[] neighbours = {
                    x > 0 ? p - 1 : -1,
                    x < width - 1 ? p + 1 : -1,
                    y > 0 ? p - width : -1,
                    y < height - 1 ? p + width : -1
                };
                for (int q : neighbours) {
                    if (q >= 0 && component[q] == 0 && marked[q]) {
                        component[q] = id;
                        queue.add(q);
                    }
                }
            }
            if (size > bestSize) {
                bestSize = size;
                bestId = id;
            }
        }
        boolean[] blob = new boolean[marked.length];
        for (int i = 0; i < marked.length; i++) {
            blob[i] = component[i] == bestId;
        }
        return blob;
    }

    /** Index of the largest count, skipping {@code skip}; ties to the lower index. */
    private static int argMax(int[] counts, int skip) {
        int best = skip == 0 ? 1 : 0;
        for (int i = 0; i < counts.length; i++) {
            if (i != skip && counts[i] > counts[best]) {
                best = i;
            }
        }
        return best;
    }
}
