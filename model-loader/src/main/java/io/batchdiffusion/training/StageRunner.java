package io.batchdiffusion.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs a stage's steps from wherever its checkpoint left off: forward and backward in a gradient
 * collector, global-norm clipping, Adam, the parameter average, a progress line every {@code
 * reportEvery} steps and a checkpoint every {@code checkpointEvery} steps and at the end. A step whose
 * gradients are not finite is computed again (the engine has produced rare NaN gradients); a step that
 * stays non-finite fails the run.
 */
final class StageRunner {

    private static final int ATTEMPTS = 3;

    private final Path checkpoint;
    private final Map<String, String> metadata;
    private final int reportEvery;
    private final int checkpointEvery;
    private final PrintStream out;

    StageRunner(Path checkpoint, Map<String, String> metadata, int reportEvery, int checkpointEvery, PrintStream out) {
        this.checkpoint = checkpoint;
        this.metadata = metadata;
        this.reportEvery = reportEvery;
        this.checkpointEvery = checkpointEvery;
        this.out = out;
    }

    /** Trains until the plan's step count; returns the mean loss of the last report interval. */
    double run(Stage stage, TrainingState state, NDManager manager) {
        return run(stage, state, manager, stage.plan().steps());
    }

    /** Trains until step {@code stopAt} (at most the plan's step count), checkpointing there. */
    double run(Stage stage, TrainingState state, NDManager manager, int stopAt) {
        StagePlan plan = stage.plan();
        int end = Math.min(stopAt, plan.steps());
        Progress progress = new Progress(stage.name(), plan.steps(), state.step(), out);
        while (state.step() < end) {
            int step = state.step();
            try (NDManager batch = manager.newSubManager()) {
                float loss = Float.NaN;
                double norm = Double.NaN;
                for (int attempt = 0;
                        attempt < ATTEMPTS && !(Double.isFinite(norm) && Float.isFinite(loss));
                        attempt++) {
                    if (attempt > 0) {
                        state.zeroGradients();
                        progress.retried();
                    }
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray value = stage.loss(step, batch);
                        collector.backward(value);
                        loss = value.getFloat();
                    }
                    norm = state.gradientNorm();
                }
                if (!Double.isFinite(norm) || !Float.isFinite(loss)) {
                    throw new IllegalStateException(stage.name() + " step " + step + ": loss " + loss
                            + ", gradient norm " + norm + " after " + ATTEMPTS + " attempts");
                }
                float scale = norm > plan.clipNorm() ? (float) (plan.clipNorm() / norm) : 1f;
                state.update(plan.learningRate(step), scale, plan.emaDecay());
                progress.step(loss, plan.learningRate(step));
            }
            boolean last = state.step() == end;
            if (state.step() % reportEvery == 0 || last) {
                progress.report();
            }
            if (state.step() % checkpointEvery == 0 || last) {
                save(state);
            }
        }
        return progress.lastMean();
    }

    private void save(TrainingState state) {
        try {
            Files.createDirectories(checkpoint.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        state.save(checkpoint, metadata);
    }
}
