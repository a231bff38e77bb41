package io.batchdiffusion.datasets.shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A deterministic stream of captioned shape images: scene {@code i} depends only on the seed, the
 * split and {@code i}. The training split draws one shape (or two small ones in opposite corners, a
 * fifth of the time) of the eight colours on another colour, rejecting scenes that contain a held-out combination; the held-out split
 * draws single shapes of exactly those combinations, captioned with their background.
 *
 * <pre>{@code
 * ShapesDataset train = ShapesDataset.train(42);
 * ShapeScene scene = train.scene(0); // scene.rgb(): 32x32 RGB, scene.caption(): "a red circle on a blue background"
 * }</pre>
 */
public final class ShapesDataset {

    /** The two disjoint parts of the data. */
    public enum Split {
        TRAIN,
        HELD_OUT
    }

    public static final int DEFAULT_SIZE = 32;
    private static final double TWO_SHAPES = 0.2;

    private final long seed;
    private final Split split;
    private final int size;
    private final ShapesSplit combinations;

    public ShapesDataset(long seed, Split split, int size) {
        if (size < 16 || size % 8 != 0) {
            throw new IllegalArgumentException("image size " + size + " is not a multiple of 8 of at least 16");
        }
        this.seed = seed;
        this.split = split;
        this.size = size;
        this.combinations = ShapesSplit.of(seed);
    }

    public static ShapesDataset train(long seed) {
        return new ShapesDataset(seed, Split.TRAIN, DEFAULT_SIZE);
    }

    public static ShapesDataset heldOut(long seed) {
        return new ShapesDataset(seed, Split.HELD_OUT, DEFAULT_SIZE);
    }

    /** Scene number {@code index} of this split. */
    public ShapeScene scene(long index) {
        SplittableRandom random = new SplittableRandom(mix(seed, index, split));
        NamedColour[] colours = NamedColour.values();
        while (true) {
            List<ShapeSpec> shapes = new ArrayList<>();
            NamedColour background;
            if (split == Split.HELD_OUT) {
                List<Combination> held = combinations.heldOut();
                Combination c = held.get(random.nextInt(held.size()));
                background = c.background();
                shapes.add(shape(
                        c.shape(),
                        c.colour(),
                        random.nextBoolean() ? ShapeSize.SMALL : ShapeSize.LARGE,
                        pick(random, Placement.values()),
                        random));
            } else {
                background = pick(random, colours);
                boolean two = random.nextDouble() < TWO_SHAPES;
                Placement first = pick(random, two ? corners() : Placement.values());
                shapes.add(randomShape(random, background, null, first, two));
                if (two) {
                    shapes.add(randomShape(random, background, shapes.get(0).colour(), first.opposite(), true));
                }
                if (!combinations.isTraining(background, shapes)) {
                    continue;
                }
            }
            String caption = Captions.describe(background, shapes, random, split == Split.HELD_OUT);
            byte[] rgb = ShapeRasterizer.draw(size, size, background, shapes);
            return new ShapeScene(index, size, size, background, shapes, caption, rgb);
        }
    }

    /**
     * {@code scene} with its first shape drawn as {@code kind} instead (same colour, size and place, the
     * other shape untouched), or empty when that is not a combination of this split: a contrastive
     * negative that differs from the scene in the shape alone, which never leaks a held-out combination
     * into training.
     */
    public Optional<ShapeScene> withShapeKind(ShapeScene scene, ShapeKind kind) {
        ShapeSpec first = scene.shape();
        List<ShapeSpec> shapes = new ArrayList<>(scene.shapes());
        shapes.set(
                0,
                new ShapeSpec(
                        kind,
                        first.colour(),
                        first.size(),
                        first.placement(),
                        first.centerX(),
                        first.centerY(),
                        first.extent()));
        boolean inSplit = split == Split.HELD_OUT
                ? shapes.size() == 1 && combinations.isHeldOut(shapes.get(0).on(scene.background()))
                : combinations.isTraining(scene.background(), shapes);
        if (!inSplit) {
            return Optional.empty();
        }
        SplittableRandom random = new SplittableRandom(mix(seed, scene.index(), split) ^ (kind.ordinal() + 1));
        String caption = Captions.describe(scene.background(), shapes, random, split == Split.HELD_OUT);
        byte[] rgb = ShapeRasterizer.draw(scene.width(), scene.height(), scene.background(), shapes);
        return Optional.of(
                new ShapeScene(scene.index(), scene.width(), scene.height(), scene.background(), shapes, caption, rgb));
    }

    /** Scenes {@code from .. from + count - 1}. */
    public List<ShapeScene> scenes(long from, int count) {
        List<ShapeScene> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(scene(from + i));
        }
        return out;
    }

    public ShapesSplit combinations() {
        return combinations;
    }

    public int imageSize() {
        return size;
    }

    /** A shape of another colour than the background and {@code taken}; two in opposite corners are small. */
    private ShapeSpec randomShape(
            SplittableRandom random, NamedColour background, NamedColour taken, Placement p, boolean pair) {
        NamedColour colour;
        do {
            colour = pick(random, NamedColour.values());
        } while (colour == background || colour == taken);
        ShapeSize shapeSize = pair || random.nextBoolean() ? ShapeSize.SMALL : ShapeSize.LARGE;
        return shape(pick(random, ShapeKind.values()), colour, shapeSize, p, random);
    }

    private ShapeSpec shape(ShapeKind kind, NamedColour colour, ShapeSize s, Placement p, SplittableRandom random) {
        int extent = s.minExtent(size) + random.nextInt(s.maxExtent(size) - s.minExtent(size) + 1);
        int margin = 1 + random.nextInt(2);
        int jitterX = p == Placement.CENTER ? random.nextInt(3) - 1 : 0;
        int jitterY = p == Placement.CENTER ? random.nextInt(3) - 1 : 0;
        return new ShapeSpec(
                kind,
                colour,
                s,
                p,
                p.center(size, extent, margin, true) + jitterX,
                p.center(size, extent, margin, false) + jitterY,
                extent);
    }

    private static Placement[] corners() {
        return new Placement[] {Placement.TOP_LEFT, Placement.TOP_RIGHT, Placement.BOTTOM_LEFT, Placement.BOTTOM_RIGHT};
    }

    private static <T> T pick(SplittableRandom random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    /** A well-mixed 64-bit seed for one scene (SplitMix64's finaliser over the three inputs). */
    static long mix(long seed, long index, Split split) {
        long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + split.ordinal() * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
