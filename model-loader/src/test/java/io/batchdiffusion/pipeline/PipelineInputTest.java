package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the library fails with a message that says what and where, before any tensor work. */
class PipelineInputTest {

    private static StableDiffusionPipeline pipeline;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void aMissingComponentFolderIsNamed() throws IOException {
        Path model = copyModel();
        deleteTree(model.resolve("vae"));
        assertThatThrownBy(() -> StableDiffusionPipeline.load(model, PipelineOptions.cpu()))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(model.resolve("vae").toString())
                .hasMessageContaining("'vae' is missing");
    }

    @Test
    void anUnsupportedBlockTypeIsNamedWithItsConfigFile() throws IOException {
        Path model = copyModel();
        Path config = model.resolve("unet/config.json");
        Files.writeString(
                config, Files.readString(config).replace("\"DownBlock2D\"", "\"SimpleCrossAttnDownBlock2D\""));
        assertThatThrownBy(() -> StableDiffusionPipeline.load(model, PipelineOptions.cpu()))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("SimpleCrossAttnDownBlock2D");
    }

    @Test
    void aWidthNotDivisibleBy8IsRejectedNamingTheRequest() {
        assertThatThrownBy(() -> pipeline.render(List.of(
                        RenderRequest.of("fine"), RenderRequest.of("a cat").withSize(36, 32))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request 1 ('a cat')")
                .hasMessageContaining("width 36 is not a positive multiple of 8");
    }

    @Test
    void zeroStepsAndNanGuidanceAreRejected() {
        assertThatThrownBy(
                        () -> pipeline.render(List.of(RenderRequest.of("a cat").withSteps(0))))
                .hasMessageContaining("num_inference_steps 0 is outside [1, 1000]");
        assertThatThrownBy(
                        () -> pipeline.render(List.of(RenderRequest.of("a cat").withGuidanceScale(Double.NaN))))
                .hasMessageContaining("guidance_scale NaN is not a finite number");
    }

    @Test
    void anUnknownSchedulerIsRejectedWithTheValidNames() {
        assertThatThrownBy(
                        () -> pipeline.render(List.of(RenderRequest.of("a cat").withScheduler("heun"))))
                .hasMessageContaining("unknown scheduler 'heun'")
                .hasMessageContaining("euler_a");
    }

    private Path copyModel() throws IOException {
        Path target = tmp.resolve("model");
        Path source = Fixtures.tinySdA();
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.startsWith(source.resolve("goldens"))) {
                    continue;
                }
                Path to = target.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        return target;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
