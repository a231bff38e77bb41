package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each batch runs in its own NDManager: 200 batches in a loop must not grow the resident memory. */
class LongRunMemoryTest {

    private static final int BATCHES = 200;
    private static final long SLACK_BYTES = 48L << 20;

    @Test
    void residentMemoryStaysAtTheLevelOfTheFirstBatches() throws IOException {
        try (StableDiffusionPipeline pipeline =
                StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu())) {
            long warm = 0;
            long peakAfterWarmup = 0;
            for (int i = 0; i < BATCHES; i++) {
                List<RenderRequest> batch = List.of(
                        RenderRequest.of("a red circle " + i)
                                .withSeed(i)
                                .withSteps(2)
                                .withScheduler("euler_a"),
                        RenderRequest.of("a blue square " + i)
                                .withSeed(i + 1)
                                .withSteps(2)
                                .withGuidanceScale(1));
                assertThat(pipeline.render(batch)).hasSize(2);
                long rss = residentBytes();
                if (i == 19) {
                    warm = rss;
                } else if (i > 19) {
                    peakAfterWarmup = Math.max(peakAfterWarmup, rss);
                }
            }
            System.out.printf(
                    "resident memory after 20 batches %d MB, highest over the next %d batches %d MB%n",
                    warm >> 20, BATCHES - 20, peakAfterWarmup >> 20);
            assertThat(peakAfterWarmup).isLessThanOrEqualTo(warm + SLACK_BYTES);
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
