package io.batchdiffusion.training;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@code submit/train-tiny}: trains the shapes model from scratch and writes it.
 *
 * <pre>
 * TrainTiny [--output models/shapes-sd] [--work target/shapes-training] [--seed 42]
 *           [--tokenizer models/tiny-sd-a/tokenizer] [--scale 1.0] [--unet-width 2] [--pool 12288]
 *           [--report-every 50] [--checkpoint-every 200] [--only clip|vae]
 * </pre>
 *
 * Run again with the same options after an interruption to continue from the last checkpoint. {@code
 * --only} trains one of the two independent first stages, so that they can run in parallel processes.
 */
public final class TrainTiny {

    private TrainTiny() {}

    public static void main(String[] args) throws Exception {
        Path output = Path.of("models/shapes-sd");
        Path work = Path.of("target/shapes-training");
        long seed = 42;
        Path tokenizer = Path.of("models/tiny-sd-a/tokenizer");
        double scale = 1;
        int width = 2;
        int pool = 12288;
        int reportEvery = 50;
        int checkpointEvery = 200;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--output" -> output = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--seed" -> seed = Long.parseLong(value);
                case "--tokenizer" -> tokenizer = Path.of(value);
                case "--scale" -> scale = Double.parseDouble(value);
                case "--unet-width" -> width = Integer.parseInt(value);
                case "--pool" -> pool = Integer.parseInt(value);
                case "--report-every" -> reportEvery = Integer.parseInt(value);
                case "--checkpoint-every" -> checkpointEvery = Integer.parseInt(value);
                case "--only" -> only = value;
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: submit/train-tiny [--output DIR] [--work DIR] [--seed N] [--tokenizer DIR]"
                                    + " [--scale F] [--unet-width N] [--pool N] [--report-every N] [--checkpoint-every N]"
                                    + " [--only clip|vae]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
            i++;
        }
        TrainingOptions options = new TrainingOptions(
                output, work, seed, tokenizer, scale, width, pool, reportEvery, checkpointEvery, only, Map.of());
        new ShapesTraining(options, System.out).run();
    }
}
