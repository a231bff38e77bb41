package io.batchdiffusion.training;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code submit/train-tiny} sets: where the model and the checkpoints go, the seed, the tokenizer
 * the vocabulary is cut from, a factor on every stage's step count (1 for the real run), the UNet width
 * multiplier, how many training scenes the latent pool holds, and the progress and checkpoint intervals.
 * {@code only} ("clip" or "vae", else null) trains just that stage, so the two can run side by side;
 * {@code overrides} replace a stage's whole plan (tests).
 */
record TrainingOptions(
        Path output,
        Path work,
        long seed,
        Path referenceTokenizer,
        double stepScale,
        int unetWidth,
        int poolSize,
        int reportEvery,
        int checkpointEvery,
        String only,
        Map<String, StagePlan> overrides) {

    StagePlan plan(String stage, StagePlan defaults) {
        StagePlan plan = overrides.getOrDefault(stage, defaults);
        return stepScale == 1 ? plan : plan.scaled(stepScale);
    }
}
