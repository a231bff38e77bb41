package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainedModelRendersTest {

    @TempDir
    Path tmp;

    @Test
    void aTrainedModelIsWrittenInTheDiffusersLayoutAndRendersThroughTheUnchangedPipeline() throws Exception {
        Path model = tmp.resolve("shapes-sd");
        String log = train(model);
        assertThat(log).contains("[clip] step 2/2", "[vae] step 2/2", "[unet] step 2/2", "scaling_factor");
        for (String file : List.of(
                "model_index.json",
                "scheduler/scheduler_config.json",
                "tokenizer/vocab.json",
                "text_encoder/model.safetensors",
                "unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors",
                "clip-scorer/model.safetensors",
                "clip-scorer/preprocessor_config.json",
                "clip-scorer/merges.txt")) {
            assertThat(model.resolve(file)).isRegularFile();
        }
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(model, PipelineOptions.cpu())) {
            assertThat(sd.unet().unused()).isEmpty();
            assertThat(sd.vae().unused()).isEmpty();
            assertThat(sd.defaultWidth()).isEqualTo(32);
            assertThat(sd.defaultScheduler()).isEqualTo("DDIMScheduler");
            RenderedImage image = sd.render(List.of(RenderRequest.of("a red circle on a blue background")
                            .withSteps(2)
                            .withGuidanceScale(5)))
                    .get(0);
            assertThat(image.finite()).isTrue();
            assertThat(image.rgb()).hasSize(32 * 32 * 3);
            try (NDManager m = NDManager.newBaseManager()) {
                ClipScorer scorer = ClipScorer.load(model.resolve("clip-scorer"), m, DataType.FLOAT32);
                assertThat(scorer.model().unused()).isEmpty();
                float score = scorer.score(List.of(new RgbImage(32, 32, image.rgb())), List.of("a red circle"))
                        .raw()[0];
                assertThat(score).isBetween(-100f, 100f);
            }
        }
    }

    @Test
    void runningAgainOverFinishedCheckpointsWritesTheSameModel() throws Exception {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        train(first);
        String log = train(second);
        assertThat(log).contains("[clip] continuing", "[vae] continuing", "[unet] continuing");
        for (String file : List.of(
                "unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors",
                "clip-scorer/model.safetensors",
                "vae/config.json")) {
            assertThat(Files.readAllBytes(second.resolve(file)))
                    .as(file)
                    .isEqualTo(Files.readAllBytes(first.resolve(file)));
        }
    }

    /** Two steps per stage on small batches; the work folder is shared, so a second call resumes. */
    private String train(Path output) throws Exception {
        Map<String, StagePlan> plans = Map.of(
                "clip", new StagePlan(2, 8, 1e-3f, 1, 1f, 0f),
                "vae", new StagePlan(2, 4, 1e-3f, 1, 1f, 0f),
                "unet", new StagePlan(2, 4, 1e-3f, 1, 1f, 0.9f));
        TrainingOptions options = new TrainingOptions(
                output, tmp.resolve("work"), 3, TinyTraining.reference(), 1, 1, 16, 1, 1, null, plans);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ShapesTraining(options, new PrintStream(bytes, true)).run();
        return bytes.toString();
    }
}
