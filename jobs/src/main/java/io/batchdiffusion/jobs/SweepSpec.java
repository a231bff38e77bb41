package io.batchdiffusion.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sweep declared on the command line: each non-empty dimension replaces the rows' own value and
 * multiplies the renders. {@code --seeds 0-3} gives seeds 0, 1, 2, 3 (a row's own seed, when set, is
 * offset by them); {@code --guidance 1.5,3,5,7.5}; {@code --steps 20,30}; {@code --schedulers
 * ddim,euler}.
 */
public record SweepSpec(List<Long> seeds, List<Double> guidance, List<Integer> steps, List<String> schedulers)
        implements Serializable {

    public static final SweepSpec NONE = new SweepSpec(List.of(), List.of(), List.of(), List.of());

    public SweepSpec {
        seeds = List.copyOf(seeds);
        guidance = List.copyOf(guidance);
        steps = List.copyOf(steps);
        schedulers = List.copyOf(schedulers);
    }

    public boolean isEmpty() {
        return seeds.isEmpty() && guidance.isEmpty() && steps.isEmpty() && schedulers.isEmpty();
    }

    /** Renders per catalogue row. */
    public int pointsPerRow() {
        return Math.max(1, seeds.size())
                * Math.max(1, guidance.size())
                * Math.max(1, steps.size())
                * Math.max(1, schedulers.size());
    }

    /** Every combination, in a fixed order (seed slowest); absent dimensions are {@code null}. */
    public List<SweepPoint> points() {
        List<SweepPoint> points = new ArrayList<>();
        for (Long seed : orNull(seeds)) {
            for (Double g : orNull(guidance)) {
                for (Integer s : orNull(steps)) {
                    for (String scheduler : orNull(schedulers)) {
                        points.add(new SweepPoint(seed, g, s, scheduler));
                    }
                }
            }
        }
        return points;
    }

    private static <T> List<T> orNull(List<T> values) {
        List<T> out = new ArrayList<>(values);
        if (out.isEmpty()) {
            out.add(null);
        }
        return out;
    }

    /** One point of the sweep; {@code null} fields leave the row's value (or the job default). */
    public record SweepPoint(Long seed, Double guidance, Integer steps, String scheduler) implements Serializable {}

    /** Parses {@code 0-3}, {@code 1,5,9} or a mix ({@code 0-3,10}). */
    public static List<Long> parseSeeds(String text) {
        List<Long> seeds = new ArrayList<>();
        for (String part : split(text, "--seeds")) {
            int dash = part.indexOf('-', 1);
            if (dash > 0) {
                long from = parseLong(part.substring(0, dash), "--seeds");
                long to = parseLong(part.substring(dash + 1), "--seeds");
                if (to < from || to - from > 100_000) {
                    throw new IllegalArgumentException("--seeds range '" + part + "' is empty or larger than 100000");
                }
                for (long s = from; s <= to; s++) {
                    seeds.add(s);
                }
            } else {
                seeds.add(parseLong(part, "--seeds"));
            }
        }
        return seeds;
    }

    public static List<Double> parseDoubles(String text, String flag) {
        List<Double> values = new ArrayList<>();
        for (String part : split(text, flag)) {
            try {
                values.add(Double.parseDouble(part));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + part + "' is not a number");
            }
        }
        return values;
    }

    public static List<Integer> parseInts(String text, String flag) {
        List<Integer> values = new ArrayList<>();
        for (String part : split(text, flag)) {
            values.add(Math.toIntExact(parseLong(part, flag)));
        }
        return values;
    }

    public static List<String> parseNames(String text, String flag) {
        List<String> names = new ArrayList<>();
        for (String part : split(text, flag)) {
            names.add(part.toLowerCase(Locale.ROOT));
        }
        return names;
    }

    private static List<String> split(String text, String flag) {
        List<String> parts = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                parts.add(part.strip());
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs at least one value");
        }
        return parts;
    }

    private static long parseLong(String text, String flag) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": '" + text + "' is not an integer");
        }
    }
}
