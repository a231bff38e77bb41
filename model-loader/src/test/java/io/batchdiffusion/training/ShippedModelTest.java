package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.datasets.shapes.NamedColour;
import io.batchdiffusion.datasets.shapes.ShapeReader;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import io.batchdiffusion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed models/shapes-sd: complete, small, and it draws the colour it is asked for. */
class ShippedModelTest {

    static Path shapesSd() {
        return Fixtures.tinySdA().resolveSibling("shapes-sd");
    }

    @Test
    void loadsWithEveryTensorUsedAndStaysSmall() throws Exception {
        Path model = shapesSd();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(model, PipelineOptions.cpu());
                NDManager m = NDManager.newBaseManager()) {
            assertThat(sd.unet().unused()).isEmpty();
            assertThat(sd.vae().unused()).isEmpty();
            assertThat(ClipScorer.load(model.resolve("clip-scorer"), m, DataType.FLOAT32)
                            .model()
                            .unused())
                    .isEmpty();
        }
        long bytes;
        try (Stream<Path> files = Files.walk(model)) {
            bytes = files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        assertThat(bytes).isLessThan(20L << 20);
        try (Stream<Path> files = Files.walk(model)) {
            // large components are sharded: the repository keeps no file over 8 MiB
            assertThat(files.filter(Files::isRegularFile))
                    .allMatch(p -> p.toFile().length() < (8L << 20));
        }
    }

    @Test
    void rendersTheColourASimpleCaptionAsksFor() {
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(shapesSd(), PipelineOptions.cpu())) {
            List<RenderedImage> images = sd.render(List.of(
                    request("a red circle on a blue background", 1),
                    request("a red circle on a blue background", 2),
                    request("a large yellow square on a black background", 3),
                    request("a large yellow square on a black background", 4)));
            int right = 0;
            for (RenderedImage image : images) {
                NamedColour expected = image.request().prompt().contains("red") ? NamedColour.RED : NamedColour.YELLOW;
                NamedColour seen = ShapeReader.read(image.rgb(), image.width(), image.height())
                        .colour();
                System.out.println(
                        image.request().prompt() + " (seed " + image.request().seed() + "): " + seen);
                right += seen == expected ? 1 : 0;
            }
            assertThat(right).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void autoencoderKeepsTheShapesOfHeldOutScenes() {
        AutoencoderRoundTrip.Result roundTrip = AutoencoderRoundTrip.run(shapesSd(), EvalSettings.DEFAULTS);
        System.out.print(roundTrip.format());
        // the first shipped VAE kept 56.7% (20 of 90 triangles); this one keeps 86.3%
        assertThat(roundTrip.accuracy()).isGreaterThanOrEqualTo(0.8);
    }

    private static RenderRequest request(String prompt, long seed) {
        return RenderRequest.of(prompt).withSeed(seed).withSteps(10).withGuidanceScale(5);
    }
}
