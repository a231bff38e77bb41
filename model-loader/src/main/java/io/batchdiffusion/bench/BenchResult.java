package io.batchdiffusion.bench;

/**
 * One measured line: {@code flops} per run (0 when not counted) gives the achieved rate, {@code images}
 * per run gives images per minute (0 when not a render).
 */
record BenchResult(String section, String name, Timing timing, double flops, int images) {

    static BenchResult of(String section, String name, Timing timing) {
        return new BenchResult(section, name, timing, 0, 0);
    }

    double gflops() {
        return flops <= 0 ? Double.NaN : flops / (timing.median() / 1000) / 1e9;
    }

    double imagesPerMinute() {
        return images <= 0 ? Double.NaN : images * 60_000 / timing.median();
    }
}
