package io.batchdiffusion.training;

/**
 * How the evaluation renders: how many held-out captions, the seed of the held-out data (and of the
 * renders: case i uses seed {@code seed * 1000 + i}), sampling steps, the main guidance scale, and how
 * many images go through the pipeline and the scorer at once.
 */
record EvalSettings(long seed, int count, int steps, double guidance, int batch) {

    static final EvalSettings DEFAULTS = new EvalSettings(42, 240, 20, 5.0, 60);
}
