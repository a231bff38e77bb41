package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spark runs renders on its task threads, and PyTorch starts every thread but the engine's with gradient
 * recording on: a render must switch it off itself, and give the same image on any thread.
 */
class RenderThreadsTest {

    private static final RenderRequest REQUEST =
            RenderRequest.of("a red circle on a blue background").withSeed(7).withSteps(4);

    private static StableDiffusionPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void aRenderOnAFreshThreadRecordsNoGradientsAndMatchesTheSameRenderHere() throws Exception {
        byte[] here = pipeline.render(List.of(REQUEST)).get(0).rgb();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            List<Boolean> recordingDuringSteps = new ArrayList<>();
            boolean[] recordingBefore = new boolean[1];
            byte[] there = CompletableFuture.supplyAsync(
                            () -> {
                                recordingBefore[0] = JniUtils.isGradMode();
                                StepListener listener = new StepListener() {
                                    @Override
                                    public void onStep(
                                            int step, double t, NDArray input, NDArray output, NDArray latents) {
                                        recordingDuringSteps.add(JniUtils.isGradMode());
                                    }
                                };
                                byte[] rgb = pipeline.render(List.of(REQUEST), null, listener)
                                        .get(0)
                                        .rgb();
                                assertThat(JniUtils.isGradMode())
                                        .as("recording restored after the render")
                                        .isTrue();
                                return rgb;
                            },
                            thread)
                    .get();

            assertThat(recordingBefore[0]).as("a fresh thread starts recording").isTrue();
            assertThat(recordingDuringSteps).isNotEmpty().containsOnly(false);
            assertThat(there).isEqualTo(here);
        } finally {
            thread.shutdown();
        }
    }

    @Test
    void clipScoresOnAFreshThreadMatchTheSameScoresHere() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipScorer scorer = ClipScorer.load(Fixtures.tinySdA().resolve("clip-scorer"), manager, DataType.FLOAT32);
            RenderedImage rendered = pipeline.render(List.of(REQUEST)).get(0);
            RgbImage image = new RgbImage(rendered.width(), rendered.height(), rendered.rgb());
            float here = scorer.score(List.of(image), List.of("a red circle")).raw()[0];
            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                float there = CompletableFuture.supplyAsync(
                                () -> scorer.score(List.of(image), List.of("a red circle"))
                                        .raw()[0],
                                thread)
                        .get();
                assertThat(there).isEqualTo(here);
            } finally {
                thread.shutdown();
            }
        }
    }
}
