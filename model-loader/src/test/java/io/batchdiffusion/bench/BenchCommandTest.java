package io.batchdiffusion.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole bench on the scaled-down preset, so that the bench code keeps working (seconds, not minutes). */
class BenchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aQuickRunOfTheMiniPresetMeasuresEverySectionAndWritesJson() throws Exception {
        BenchOptions options = BenchOptions.parse(
                "--preset",
                "mini",
                "--quick",
                "--cache",
                tmp.resolve("models").toString(),
                "--fixture",
                Fixtures.tinySdA().toString(),
                "--results",
                tmp.resolve("results").toString(),
                "--profile",
                tmp.resolve("profile").toString(),
                "--batches",
                "1,2",
                "--sections",
                String.join(",", BenchOptions.SECTIONS));
        Path file = BenchCommand.run(options, "--preset mini --quick");

        JsonNode json = ConfigLoader.mapper().readTree(file.toFile());
        Set<String> sections = new HashSet<>();
        json.path("results").forEach(r -> sections.add(r.path("section").asText()));
        assertThat(sections).containsExactlyInAnyOrderElementsOf(BenchOptions.SECTIONS);
        JsonNode unet = find(json, "UNet 64x64");
        assertThat(unet.path("gflops").asDouble()).isPositive();
        assertThat(unet.path("runs_ms")).hasSize(1);
        assertThat(json.path("ceiling_gflops").asDouble()).isPositive();
        assertThat(json.path("facts").path("peak_rss_bytes").asLong()).isPositive();
        assertThat(json.path("facts").has("batch2_vs_singles_64")).isTrue();
        assertThat(json.path("cores").asInt()).isPositive();
        try (Stream<Path> traces = Files.list(tmp.resolve("profile"))) {
            assertThat(traces).isNotEmpty();
        }
    }

    @Test
    void theGeneratedFolderIsReusedAndHoldsEveryComponent() {
        Path first = RandomModelWriter.ensure(ModelPreset.MINI, 3, Fixtures.tinySdA(), tmp);
        for (String part : new String[] {
            "model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
            "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors", "tokenizer/vocab.json",
            "scheduler/scheduler_config.json", "clip-scorer/model.safetensors", "clip-scorer/preprocessor_config.json"
        }) {
            assertThat(first.resolve(part)).as(part).isRegularFile();
        }
        long written = first.resolve("unet/diffusion_pytorch_model.safetensors")
                .toFile()
                .lastModified();
        assertThat(RandomModelWriter.ensure(ModelPreset.MINI, 3, Fixtures.tinySdA(), tmp))
                .isEqualTo(first);
        assertThat(first.resolve("unet/diffusion_pytorch_model.safetensors")
                        .toFile()
                        .lastModified())
                .isEqualTo(written);
    }

    private static JsonNode find(JsonNode json, String namePrefix) {
        for (JsonNode r : json.path("results")) {
            if (r.path("name").asText().startsWith(namePrefix)) {
                return r;
            }
        }
        throw new AssertionError("no result named " + namePrefix + "...");
    }
}
