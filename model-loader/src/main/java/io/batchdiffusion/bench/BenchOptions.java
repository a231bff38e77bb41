package io.batchdiffusion.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a bench run measures. Defaults: every section, components at the preset's sizes (256 and 512
 * for SD 1.5) three times each, end to end at the smallest size once per batch size. {@code --full}
 * adds end to end at every size (a 512x512 batch of 4 takes tens of minutes on two cores).
 */
final class BenchOptions {

    static final List<String> SECTIONS =
            List.of("ceiling", "load", "text", "attention", "unet", "vae", "scorer", "e2e", "threads");

    static final String USAGE = """
            usage: bench [--preset sd15|mini] [--model DIR] [--cache DIR] [--fixture DIR] [--seed N]
                         [--sections ceiling,load,text,attention,unet,vae,scorer,e2e,threads] [--sizes 256,512] [--e2e-sizes 256]
                         [--batches 1,4] [--steps 20] [--guidance 7.5] [--repeats 3] [--e2e-repeats 1]
                         [--ceiling-sizes 1024,2048,4096] [--threads N] [--results DIR] [--profile DIR]
                         [--label TEXT] [--full] [--quick] [--generate-only]
            """;

    ModelPreset preset = ModelPreset.SD15;
    Path model;
    Path cache = Path.of(System.getProperty("java.io.tmpdir"), "batchdiffusion-bench");
    Path fixture = Path.of("models/tiny-sd-a");
    long seed;
    /** "threads" is not run unless asked for: it takes as long as the UNet section does, twice. */
    Set<String> sections = new LinkedHashSet<>(SECTIONS.subList(0, SECTIONS.size() - 1));

    List<Integer> sizes;
    List<Integer> e2eSizes;
    List<Integer> batches = List.of(1, 4);
    int steps = 20;
    double guidance = 7.5;
    int repeats = 3;
    int e2eRepeats = 1;
    List<Integer> ceilingSizes = List.of(1024, 2048, 4096);
    int threads;
    Path results = Path.of("bench/results");
    Path profile;
    String label = "";
    boolean generateOnly;

    static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        boolean full = false;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (key.equals("--generate-only")) {
                o.generateOnly = true;
                continue;
            }
            if (key.equals("--full") || key.equals("--quick")) {
                full |= key.equals("--full");
                quick |= key.equals("--quick");
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(key + " needs a value");
            }
            o.set(key, args[++i]);
        }
        o.sizes = o.sizes != null ? o.sizes : o.preset.sizes();
        if (o.e2eSizes == null) {
            o.e2eSizes = full ? o.sizes : List.of(o.sizes.get(0));
        }
        if (quick) {
            o.repeats = 1;
            o.e2eRepeats = 1;
            o.steps = 2;
            o.ceilingSizes = List.of(256);
        }
        return o;
    }

    private void set(String key, String value) {
        switch (key) {
            case "--preset" -> preset = ModelPreset.named(value);
            case "--model" -> model = Path.of(value);
            case "--cache" -> cache = Path.of(value);
            case "--fixture" -> fixture = Path.of(value);
            case "--seed" -> seed = Long.parseLong(value);
            case "--sections" -> sections = sections(value);
            case "--sizes" -> sizes = ints(value);
            case "--e2e-sizes" -> e2eSizes = ints(value);
            case "--batches" -> batches = ints(value);
            case "--steps" -> steps = positive(key, value);
            case "--guidance" -> guidance = Double.parseDouble(value);
            case "--repeats" -> repeats = positive(key, value);
            case "--e2e-repeats" -> e2eRepeats = positive(key, value);
            case "--ceiling-sizes" -> ceilingSizes = ints(value);
            case "--threads" -> threads = positive(key, value);
            case "--results" -> results = Path.of(value);
            case "--profile" -> profile = Path.of(value);
            case "--label" -> label = value;
            default -> throw new IllegalArgumentException("unknown option " + key);
        }
    }

    boolean runs(String section) {
        return sections.contains(section);
    }

    private static Set<String> sections(String value) {
        Set<String> chosen = new LinkedHashSet<>(Arrays.asList(value.split(",")));
        for (String s : chosen) {
            if (!SECTIONS.contains(s)) {
                throw new IllegalArgumentException("unknown section '" + s + "' (one of " + SECTIONS + ")");
            }
        }
        return chosen;
    }

    private static List<Integer> ints(String value) {
        List<Integer> out = new ArrayList<>();
        for (String part : value.split(",")) {
            out.add(positive("size", part.trim()));
        }
        return List.copyOf(out);
    }

    private static int positive(String key, String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, got " + n);
        }
        return n;
    }
}
