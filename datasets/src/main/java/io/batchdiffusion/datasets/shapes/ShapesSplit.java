package io.batchdiffusion.datasets.shapes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which colour-shape-background combinations training never sees: for every shape colour and shape,
 * one background (chosen by the seed among the seven other colours). Every colour, shape and
 * background still appears in training, only not in those combinations, so rendering a held-out
 * caption right needs composition, not recall.
 */
public final class ShapesSplit {

    private final Set<Combination> heldOut;

    private ShapesSplit(Set<Combination> heldOut) {
        this.heldOut = Collections.unmodifiableSet(heldOut);
    }

    public static ShapesSplit of(long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EED_5EEDL);
        NamedColour[] colours = NamedColour.values();
        Set<Combination> held = new LinkedHashSet<>();
        for (NamedColour colour : colours) {
            for (ShapeKind shape : ShapeKind.values()) {
                int offset = 1 + random.nextInt(colours.length - 1);
                held.add(new Combination(colour, shape, colours[(colour.ordinal() + offset) % colours.length]));
            }
        }
        return new ShapesSplit(held);
    }

    public boolean isHeldOut(Combination combination) {
        return heldOut.contains(combination);
    }

    /** Whether no shape of the scene forms a held-out combination with its background. */
    public boolean isTraining(NamedColour background, List<ShapeSpec> shapes) {
        for (ShapeSpec s : shapes) {
            if (isHeldOut(s.on(background))) {
                return false;
            }
        }
        return true;
    }

    /** The held-out combinations, in colour then shape order. */
    public List<Combination> heldOut() {
        return new ArrayList<>(heldOut);
    }
}
