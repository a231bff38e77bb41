package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.testing.Fixtures;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each batch runs in its own NDManager: 200 batches in a loop leave no array behind and do not grow the
 * native memory (resident memory less what the JVM has committed for its own heaps, which grow and
 * shrink on the garbage collector's schedule, not ours).
 */
class LongRunMemoryTest {

    private static final int BATCHES = 200;
    private static final int WARMUP = 20;
    private static final long SLACK_BYTES = 64L << 20;

    @Test
    void nativeMemoryStaysAtTheLevelOfTheFirstBatches() throws IOException {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu())) {
            int weights = pipeline.liveArrays();
            long warm = 0;
            long highest = 0;
            for (int i = 0; i < BATCHES; i++) {
                List<RenderRequest> batch = List.of(
                        RenderRequest.of("a red circle " + i).withSeed(i).withSteps(1).withScheduler("euler_a"),
                        RenderRequest.of("a blue square " + i).withSeed(i + 1).withSteps(1).withGuidanceScale(1));
                assertThat(pipeline.render(batch)).hasSize(2);
                assertThat(pipeline.liveArrays()).as("arrays alive after batch %d", i).isEqualTo(weights);
                long nativeBytes = nativeBytes();
                if (i == WARMUP - 1) {
                    warm = nativeBytes;
                } else if (i >= WARMUP) {
                    highest = Math.max(highest, nativeBytes);
                }
            }
            System.out.printf(
                    "native memory after %d batches %d MB, highest over the next %d batches %d MB (%d arrays alive)%n",
                    WARMUP, warm >> 20, BATCHES - WARMUP, highest >> 20, pipeline.liveArrays());
            assertThat(highest).isLessThanOrEqualTo(warm + SLACK_BYTES);
        }
    }

    private static long nativeBytes() throws IOException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long jvm = memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 - jvm;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
