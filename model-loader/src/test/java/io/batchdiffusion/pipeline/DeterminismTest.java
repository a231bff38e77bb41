package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DeterminismTest {

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
    void aRequestRendersTheSamePngAloneAndAtAnyPositionOfAMixedBatch() {
        RenderRequest target = RenderRequest.of("a red circle on a blue background")
                .withNegativePrompt("blurry")
                .withSeed(1234)
                .withSteps(6)
                .withScheduler("euler_a")
                .withGuidanceScale(6);
        byte[] alone = png(pipeline.render(List.of(target)).get(0));
        List<RenderRequest> mixed = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            mixed.add(RenderRequest.of("filler prompt " + i)
                    .withSeed(i)
                    .withSteps(6)
                    .withScheduler("euler_a")
                    .withGuidanceScale(i % 2 == 0 ? 1.0 : 3 + i));
        }
        mixed.add(3, target);
        List<RenderedImage> batch = pipeline.render(mixed);
        assertThat(sha(png(batch.get(3)))).isEqualTo(sha(alone));
        mixed.remove(3);
        mixed.add(target);
        assertThat(sha(png(pipeline.render(mixed).get(7)))).isEqualTo(sha(alone));
        RenderRequest unguided = target.withGuidanceScale(1.0);
        byte[] unguidedAlone = png(pipeline.render(List.of(unguided)).get(0));
        mixed.add(0, unguided);
        assertThat(sha(png(pipeline.render(mixed).get(0)))).isEqualTo(sha(unguidedAlone));
    }

    private static String sha(byte[] bytes) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] png(RenderedImage image) {
        return image.toPng(pipeline.samplerName(image.request().scheduler()), "test");
    }
}
