package io.batchdiffusion.parity;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code parity --model DIR --goldens DIR [--scorer DIR]}: runs every golden of a fixture folder (the
 * format of {@code models/tiny-sd-a/goldens}: tokenizer cases, text encoder, UNet, VAE, schedulers,
 * full pipelines, CLIP scores) against this library and prints one line per tensor with its max
 * absolute error and tolerance. Exits 1 if any comparison fails, 2 on bad arguments.
 */
public final class ParityCommand {

    private static final List<ParityCheck> CHECKS = List.of(
            new TokenizerParity(),
            new TextEncoderParity(),
            new UNetParity(),
            new VaeParity(),
            new SchedulerParity(),
            new PipelineParity(),
            new ClipScoreParity());

    private ParityCommand() {}

    public static void main(String[] args) {
        Path model = null;
        Path goldens = null;
        Path scorer = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[i + 1]);
                case "--goldens" -> goldens = Path.of(args[i + 1]);
                case "--scorer" -> scorer = Path.of(args[i + 1]);
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (model == null || args.length % 2 != 0) {
            usage("--model is required");
        }
        goldens = goldens != null ? goldens : model.resolve("goldens");
        scorer = scorer != null ? scorer : model.resolve("clip-scorer");
        if (!Files.isDirectory(goldens)) {
            usage("goldens folder " + goldens + " does not exist");
        }
        ParityReport report = run(model, goldens, scorer);
        System.out.printf("%d comparisons, %d failed%n", report.lines().size(), report.failures());
        System.exit(report.failures() == 0 && !report.lines().isEmpty() ? 0 : 1);
    }

    /** Runs every check, printing as it goes. */
    public static ParityReport run(Path model, Path goldens, Path scorer) {
        ParityReport report = new ParityReport(System.out);
        try (NDManager manager = NDManager.newBaseManager()) {
            GoldenFixture fixture = GoldenFixture.open(model, goldens, scorer, manager);
            for (ParityCheck check : CHECKS) {
                check.run(fixture, report);
            }
        }
        return report;
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println(
                "usage: parity --model DIR [--goldens DIR (default DIR/goldens)] [--scorer DIR (default DIR/clip-scorer)]");
        System.exit(2);
    }
}
