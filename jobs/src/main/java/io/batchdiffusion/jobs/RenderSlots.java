package io.batchdiffusion.jobs;

/**
 * How a CPU executor shares its cores between renders: {@code concurrent} renders at once, each with
 * {@code threadsPerRender} torch intra-op threads. The default is one render at a time on every core;
 * {@code -Dbatchdiffusion.cpu.concurrentRenders=N} in {@code spark.executor.extraJavaOptions} runs N
 * at once on cores/N threads each, which does the same arithmetic with less waiting between threads
 * (22% more UNet steps per second on two cores with N = 2, docs/performance.md) at the cost of N
 * renders' activations in memory. GPU executors always render one batch at a time.
 */
record RenderSlots(int concurrent, int threadsPerRender) {

    static final String PROPERTY = "batchdiffusion.cpu.concurrentRenders";

    /** From the property's value ({@code null}: one at a time) and the executor's cores. */
    static RenderSlots forCpu(String setting, int cores) {
        int concurrent = 1;
        if (setting != null && !setting.isBlank()) {
            try {
                concurrent = Integer.parseInt(setting.strip());
            } catch (NumberFormatException e) {
                concurrent = 0;
            }
            if (concurrent < 1) {
                throw new IllegalArgumentException(
                        PROPERTY + " must be a whole number of renders, at least 1; got '" + setting + "'");
            }
        }
        return new RenderSlots(concurrent, Math.max(1, cores / concurrent));
    }

    static RenderSlots forCpu() {
        return forCpu(System.getProperty(PROPERTY), Runtime.getRuntime().availableProcessors());
    }

    static RenderSlots oneAtATime() {
        return new RenderSlots(1, 0);
    }

    /** Whether the engine's thread count should change from PyTorch's default (every core). */
    boolean splitsThreads() {
        return concurrent > 1;
    }
}
