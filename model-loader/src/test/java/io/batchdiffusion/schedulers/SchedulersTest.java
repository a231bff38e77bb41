package io.batchdiffusion.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchedulersTest {

    private static final Map<String, String> RUN_TO_NAME = Map.of(
            "ddim", "ddim",
            "pndm", "pndm",
            "euler", "euler",
            "euler_ancestral", "euler_a",
            "dpmpp2m", "dpmpp_2m",
            "lms", "lms",
            "lcm", "lcm");

    private static Path schedulerDir() {
        return Fixtures.tinySdA().resolve("scheduler");
    }

    private static ObjectNode fixtureConfig() throws IOException {
        return (ObjectNode) ConfigLoader.mapper()
                .readTree(schedulerDir().resolve(Schedulers.CONFIG_FILE).toFile());
    }

    @Test
    void everyUserFacingAndClassNameBuildsFromThePndmConfigOfTheFixture() {
        assertThat(Schedulers.names())
                .startsWith("ddim", "pndm", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "lms", "lcm")
                .contains(
                        "DDIMScheduler",
                        "EulerAncestralDiscreteScheduler",
                        "DPMSolverMultistepScheduler",
                        "LCMScheduler");
        for (String name : Schedulers.names()) {
            Schedulers factory = Schedulers.load(schedulerDir(), name);
            assertThat(factory.create(4).numSteps()).as(name).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void anUnknownNameFailsListingTheValidNamesBeforeReadingAnyFile() {
        assertThatThrownBy(() -> Schedulers.load(Path.of("/nonexistent"), "heun"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scheduler 'heun'")
                .hasMessageContaining("ddim, pndm, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, lms, lcm")
                .hasMessageContaining("DDIMScheduler");
    }

    @Test
    void aMissingConfigFileIsReportedWithItsPath() {
        assertThatThrownBy(() -> Schedulers.load(Path.of("/nonexistent"), "ddim"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("/nonexistent/scheduler_config.json");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1001})
    void stepCountsOutsideOneToTheTrainingStepsAreRejected(int steps) {
        Schedulers factory = Schedulers.load(schedulerDir(), "euler");
        assertThatThrownBy(() -> factory.create(steps))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EulerDiscreteScheduler")
                .hasMessageContaining(String.valueOf(steps));
    }

    @Test
    void theFactoryGivesTheEffectiveConfigsDiffusersRecorded() throws IOException {
        JsonNode runs = JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build()
                .readTree(Fixtures.goldens().resolve("meta.json").toFile())
                .path("schedulers");
        assertThat(runs.size()).isEqualTo(RUN_TO_NAME.size());
        RUN_TO_NAME.forEach((run, name) -> {
            JsonNode entry = runs.path(run);
            Object recorded = Schedulers.fromConfig(
                            (ObjectNode) entry.get("effective_config"),
                            Fixtures.goldens().resolve("meta.json"),
                            entry.get("class").asText())
                    .config();
            Schedulers ours = Schedulers.load(schedulerDir(), name);
            assertThat(ours.className()).as(run).isEqualTo(entry.get("class").asText());
            assertThat(ours.config()).as(run).isEqualTo(recorded);
        });
    }

    @Test
    void aClassNameTakesTheConfigAsIsWhileDpmpp2mPinsTheAlgorithm() throws IOException {
        ObjectNode json = fixtureConfig().put("use_karras_sigmas", true).put("solver_order", 1);
        Path source = schedulerDir().resolve(Schedulers.CONFIG_FILE);
        var byClass =
                (DpmSolverMultistepSchedulerConfig) Schedulers.fromConfig(json, source, "DPMSolverMultistepScheduler")
                        .config();
        var byName = (DpmSolverMultistepSchedulerConfig)
                Schedulers.fromConfig(json, source, "dpmpp_2m").config();
        var karras = (DpmSolverMultistepSchedulerConfig)
                Schedulers.fromConfig(json, source, "dpmpp_2m_karras").config();
        assertThat(byClass.useKarrasSigmas()).isTrue();
        assertThat(byClass.solverOrder()).isEqualTo(1);
        assertThat(byName.useKarrasSigmas()).isFalse();
        assertThat(byName.solverOrder()).isEqualTo(2);
        assertThat(karras.useKarrasSigmas()).isTrue();
        assertThat(karras.algorithmType()).isEqualTo("dpmsolver++");
    }

    @Test
    void invalidConfigValuesFailAtLoadNamingTheKeyAndFile() throws IOException {
        Path source = schedulerDir().resolve(Schedulers.CONFIG_FILE);
        assertThatThrownBy(() -> Schedulers.fromConfig(fixtureConfig().put("prediction_type", "flow"), source, "ddim"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(source.toString())
                .hasMessageContaining("prediction_type 'flow'");
        assertThatThrownBy(
                        () -> Schedulers.fromConfig(fixtureConfig().put("timestep_spacing", "middle"), source, "euler"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("timestep_spacing 'middle'");
        assertThatThrownBy(() -> Schedulers.fromConfig(fixtureConfig().put("beta_schedule", "sigmoid"), source, "lms"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("beta_schedule 'sigmoid'");
        assertThatThrownBy(() -> Schedulers.fromConfig(fixtureConfig().put("skip_prk_steps", false), source, "pndm"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("skip_prk_steps=false");
        assertThatThrownBy(() -> Schedulers.fromConfig(
                        fixtureConfig().put("algorithm_type", "sde-dpmsolver++"),
                        source,
                        "DPMSolverMultistepScheduler"))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("algorithm_type 'sde-dpmsolver++'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"pipeline_ddim_cfg1p0", "pipeline_ddim_cfg7p5", "pipeline_euler_cfg1p0", "pipeline_euler_cfg7p5"
            })
    void thePipelineRunsTimestepsAreReproduced(String run) {
        Scheduler scheduler = Schedulers.load(schedulerDir(), run.contains("ddim") ? "ddim" : "euler")
                .create(4);
        SafeTensorsFile golden = Fixtures.golden(run + ".safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : new String[] {"timesteps", "unet_timesteps"}) {
                NDArray expected = golden.load(name, manager, DataType.FLOAT64).toType(DataType.FLOAT64, false);
                assertThat(scheduler.timesteps()).as(run + " " + name).containsExactly(expected.toDoubleArray());
            }
        }
    }

    @Test
    void dpmSolverWithKarrasSigmasSpansTheTrainingNoiseRangeDownToZero() {
        DpmSolverMultistepScheduler s = (DpmSolverMultistepScheduler)
                Schedulers.load(schedulerDir(), "dpmpp_2m_karras").create(20);
        float[] sigmas = s.sigmas();
        double[] t = s.timesteps();
        assertThat(sigmas).hasSize(21);
        assertThat(sigmas[0]).isCloseTo(14.6146f, org.assertj.core.data.Offset.offset(1e-3f));
        assertThat(sigmas[19]).isCloseTo(0.0292f, org.assertj.core.data.Offset.offset(1e-3f));
        assertThat(sigmas[20]).isZero();
        for (int i = 1; i < sigmas.length; i++) {
            assertThat(sigmas[i]).isLessThan(sigmas[i - 1]);
        }
        assertThat(t[0]).isEqualTo(999.0);
        assertThat(t[19]).isEqualTo(0.0);
    }
}
