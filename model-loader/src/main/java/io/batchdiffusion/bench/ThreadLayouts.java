package io.batchdiffusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.nn.NoGrad;
import io.batchdiffusion.unet.UNet2DConditionModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How an executor's cores are best shared, measured on UNet steps: one task at a time with every core
 * as a torch intra-op thread (Spark: one task slot, torch threads = cores), against one task per core
 * with one torch thread each (Spark: task slots = cores, torch threads = 1). Both run the same number
 * of steps, so the shorter wall time is the higher throughput.
 */
final class ThreadLayouts {

    private ThreadLayouts() {}

    /** Results for both layouts at {@code size} pixels, {@code cores} CFG steps per run. */
    static List<BenchResult> measure(UNet2DConditionModel unet, int size, int cores, int repeats) {
        int before = JniUtils.getNumThreads();
        try (NDManager m = NDManager.newBaseManager()) {
            long latent = size / 8;
            long context =
                    unet.config().perBlock(unet.config().crossAttentionDim()).get(0);
            NDArray sample = m.randomNormal(new Shape(2, unet.config().inChannels(), latent, latent));
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray text = m.randomNormal(new Shape(2, 77, context));
            // NoGrad: the pool's threads start with gradient recording on, as every thread but the engine's does
            Runnable step =
                    () -> NoGrad.call(() -> unet.forward(sample, t, text)).close();
            List<BenchResult> results = new ArrayList<>();

            JniUtils.setNumThreads(cores);
            Timing wide = Timing.measure(1, repeats, () -> {
                for (int i = 0; i < cores; i++) {
                    step.run();
                }
            });
            results.add(BenchResult.of(
                    "threads", String.format("%d steps %d, 1 task x %d threads", cores, size, cores), wide));

            JniUtils.setNumThreads(1);
            ExecutorService tasks = Executors.newFixedThreadPool(cores);
            try {
                Timing narrow = Timing.measure(1, repeats, () -> concurrently(tasks, cores, step));
                results.add(BenchResult.of(
                        "threads", String.format("%d steps %d, %d tasks x 1 thread", cores, size, cores), narrow));
            } finally {
                tasks.shutdown();
            }
            return results;
        } finally {
            JniUtils.setNumThreads(before);
        }
    }

    private static void concurrently(ExecutorService tasks, int n, Runnable step) {
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            running.add(tasks.submit(step));
        }
        try {
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
