package io.batchdiffusion.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Wall times of repeated runs of one measurement in milliseconds, the process CPU time they used, and
 * the 1-minute load average around them. On a shared machine wall time grows with the load while CPU
 * time (with one torch thread, the work itself) barely moves, so A/B comparisons read both.
 */
record Timing(List<Double> millis, List<Double> cpuMillis, double loadBefore, double loadAfter) {

    /** Runs {@code body} {@code warmup} times untimed, then {@code repeats} times timed. */
    static Timing measure(int warmup, int repeats, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double before = MachineInfo.loadAverage()[0];
        List<Double> times = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            body.run();
            times.add((System.nanoTime() - start) / 1e6);
            cpu.add((processCpuNanos() - cpuStart) / 1e6);
        }
        return new Timing(List.copyOf(times), List.copyOf(cpu), before, MachineInfo.loadAverage()[0]);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    double median() {
        return median(millis);
    }

    double cpuMedian() {
        return median(cpuMillis);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
        return Collections.min(millis);
    }

    double max() {
        return Collections.max(millis);
    }

    /** (max - min) / median: how far apart the repeats were. */
    double spread() {
        return (max() - min()) / median();
    }
}
