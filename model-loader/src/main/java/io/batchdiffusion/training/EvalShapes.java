package io.batchdiffusion.training;

import io.batchdiffusion.datasets.shapes.Combination;
import io.batchdiffusion.pipeline.RenderedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code submit/eval}: renders held-out captions with a shapes model and prints the figures.
 *
 * <pre>
 * EvalShapes [--model models/shapes-sd] [--count 240] [--steps 20] [--guidance 5] [--seed 42]
 *            [--grid docs/shapes-grid.png] [--require-targets] [--autoencoder-only]
 * </pre>
 *
 * With {@code --grid} it also writes one render per held-out combination as a captioned PNG grid; with
 * {@code --require-targets} it exits 1 when a target is missed. {@code --autoencoder-only} renders nothing: it
 * passes the held-out scenes through the VAE alone and reads those.
 */
public final class EvalShapes {

    private EvalShapes() {}

    public static void main(String[] args) {
        Path model = Path.of("models/shapes-sd");
        EvalSettings d = EvalSettings.DEFAULTS;
        long seed = d.seed();
        int count = d.count();
        int steps = d.steps();
        double guidance = d.guidance();
        Path grid = null;
        boolean require = false;
        boolean autoencoderOnly = false;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--model" -> model = Path.of(value);
                case "--count" -> count = Integer.parseInt(value);
                case "--steps" -> steps = Integer.parseInt(value);
                case "--guidance" -> guidance = Double.parseDouble(value);
                case "--seed" -> seed = Long.parseLong(value);
                case "--grid" -> grid = Path.of(value);
                case "--require-targets" -> {
                    require = true;
                    i--;
                }
                case "--autoencoder-only" -> {
                    autoencoderOnly = true;
                    i--;
                }
                case "--help", "-h" -> {
                    System.out.println("usage: submit/eval [--model DIR] [--count N] [--steps N] [--guidance G]"
                            + " [--seed N] [--grid FILE.png] [--require-targets]"
                            + " [--autoencoder-only]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
            i++;
        }
        long started = System.nanoTime();
        EvalSettings settings = new EvalSettings(seed, count, steps, guidance, d.batch());
        if (autoencoderOnly) {
            System.out.print(AutoencoderRoundTrip.run(model, settings).format());
            return;
        }
        EvalReport report = ShapesEval.run(model, settings);
        System.out.println("eval of " + model + ":");
        System.out.print(report.format());
        System.out.printf("(%.1f s)%n", (System.nanoTime() - started) / 1e9);
        if (grid != null) {
            writeGrid(report, grid);
            System.out.println("wrote " + grid);
        }
        if (require && !report.meetsTargets()) {
            System.exit(1);
        }
    }

    /** The first render of each held-out combination. */
    private static void writeGrid(EvalReport report, Path file) {
        Set<Combination> seen = new LinkedHashSet<>();
        List<RenderedImage> renders = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < report.cases().size(); i++) {
            EvalCase c = report.cases().get(i);
            if (seen.add(c.scene().shape().on(c.scene().background()))) {
                renders.add(report.renders().get(i));
                captions.add(c.caption());
            }
        }
        ExampleGrid.write(file, renders, captions, 6);
    }
}
