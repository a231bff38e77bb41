package io.batchdiffusion.training;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines: stage, step, mean loss since the last line, learning rate, steps per second and ETA. */
final class Progress {

    private final String stage;
    private final int total;
    private final int startStep;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private int step;
    private double lossSum;
    private int lossCount;
    private double lastMean = Double.NaN;
    private float learningRate;
    private int retries;

    Progress(String stage, int total, int startStep, PrintStream out) {
        this.stage = stage;
        this.total = total;
        this.startStep = startStep;
        this.step = startStep;
        this.out = out;
    }

    void step(float loss, float lr) {
        step++;
        lossSum += loss;
        lossCount++;
        learningRate = lr;
    }

    void retried() {
        retries++;
    }

    void report() {
        lastMean = lossCount == 0 ? Double.NaN : lossSum / lossCount;
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = (step - startStep) / Math.max(seconds, 1e-9);
        long eta = Math.round((total - step) / Math.max(rate, 1e-9));
        out.println(String.format(
                Locale.ROOT,
                "[%s] step %d/%d loss %.4f lr %.1e %.2f steps/s ETA %dm%02ds%s",
                stage,
                step,
                total,
                lastMean,
                learningRate,
                rate,
                eta / 60,
                eta % 60,
                retries == 0 ? "" : " (" + retries + " steps recomputed)"));
        out.flush();
        lossSum = 0;
        lossCount = 0;
    }

    double lastMean() {
        return lastMean;
    }
}
