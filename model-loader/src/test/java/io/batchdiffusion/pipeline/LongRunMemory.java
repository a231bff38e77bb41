package io.batchdiffusion.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders 200 batches in a loop and reports the resident memory after the first 20 and the highest
 * after that, plus the arrays alive in the pipeline's managers. A main for a forked JVM whose heap is
 * fixed and touched up front ({@link LongRunMemoryTest}), so that any growth of the resident memory is
 * native memory.
 *
 * <p>{@code java -Xms160m -Xmx160m -XX:+AlwaysPreTouch -cp <test classpath> io.batchdiffusion.pipeline.LongRunMemory MODEL}
 */
final class LongRunMemory {

    static final int BATCHES = 200;
    static final int WARMUP = 20;

    private LongRunMemory() {}

    public static void main(String[] args) throws IOException {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(Path.of(args[0]), PipelineOptions.cpu())) {
            int weights = pipeline.liveArrays();
            long warm = 0;
            long highest = 0;
            int mostArrays = 0;
            for (int i = 0; i < BATCHES; i++) {
                pipeline.render(List.of(
                        RenderRequest.of("a red circle " + i)
                                .withSeed(i)
                                .withSteps(1)
                                .withScheduler("euler_a"),
                        RenderRequest.of("a blue square " + i)
                                .withSeed(i + 1)
                                .withSteps(1)
                                .withGuidanceScale(1)));
                mostArrays = Math.max(mostArrays, pipeline.liveArrays());
                long rss = residentBytes();
                if (i == WARMUP - 1) {
                    warm = rss;
                } else if (i >= WARMUP) {
                    highest = Math.max(highest, rss);
                }
            }
            System.out.printf("weights arrays: %d, most arrays alive after a batch: %d%n", weights, mostArrays);
            System.out.printf(
                    "resident after %d batches: %d MB, highest over the next %d: %d MB%n",
                    WARMUP, warm >> 20, BATCHES - WARMUP, highest >> 20);
            System.out.printf("growth bytes: %d%n", highest - warm);
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
