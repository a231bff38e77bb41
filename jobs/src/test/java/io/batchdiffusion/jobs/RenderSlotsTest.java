package io.batchdiffusion.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class RenderSlotsTest {

    @Test
    void byDefaultOneRenderAtATimeOnEveryCore() {
        assertThat(RenderSlots.forCpu(null, 8)).isEqualTo(new RenderSlots(1, 8));
        assertThat(RenderSlots.forCpu(" ", 8).splitsThreads()).isFalse();
    }

    @Test
    void concurrentRendersShareTheCoresWithAtLeastOneThreadEach() {
        assertThat(RenderSlots.forCpu("2", 8)).isEqualTo(new RenderSlots(2, 4));
        assertThat(RenderSlots.forCpu("3", 8)).isEqualTo(new RenderSlots(3, 2));
        assertThat(RenderSlots.forCpu("4", 2)).isEqualTo(new RenderSlots(4, 1));
        assertThat(RenderSlots.forCpu("2", 2).splitsThreads()).isTrue();
    }

    @Test
    void aSettingThatIsNotAPositiveWholeNumberIsAClearError() {
        for (String bad : List.of("0", "-1", "two", "1.5")) {
            assertThatThrownBy(() -> RenderSlots.forCpu(bad, 8))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(RenderSlots.PROPERTY)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    /** The engine with two slots renders two batches at once on one pipeline: the same images as alone. */
    @Test
    void twoConcurrentRendersOnOnePipelineGiveTheImagesEachGivesAlone() throws Exception {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(tinyModel(), PipelineOptions.cpu())) {
            PipelineEngineFactory.PipelineEngine engine = new PipelineEngineFactory.PipelineEngine(pipeline, null, 2);
            List<List<RenderRequest>> batches = List.of(
                    List.of(RenderRequest.of("a red circle").withSeed(1).withSteps(4)),
                    List.of(RenderRequest.of("a blue square").withSeed(2).withSteps(4)));
            List<byte[]> alone = new ArrayList<>();
            for (List<RenderRequest> batch : batches) {
                alone.add(engine.render(batch).get(0).rgb());
            }
            ExecutorService tasks = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 3; round++) {
                    List<CompletableFuture<List<RenderedImage>>> running = new ArrayList<>();
                    for (List<RenderRequest> batch : batches) {
                        running.add(CompletableFuture.supplyAsync(() -> engine.render(batch), tasks));
                    }
                    for (int i = 0; i < batches.size(); i++) {
                        assertThat(running.get(i).get().get(0).rgb())
                                .as("batch %d, round %d", i, round)
                                .isEqualTo(alone.get(i));
                    }
                }
            } finally {
                tasks.shutdown();
            }
        }
    }

    private static Path tinyModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve("tiny-sd-a");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/tiny-sd-a not found");
    }
}
