package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The four 4-step pipelines of the fixture, from diffusers' own initial latents:
 * StableDiffusionPipeline(prompts, negative_prompt=negatives, height=32, width=32, num_inference_steps=4,
 * guidance_scale=g, latents=pipeline_inputs.latents, output_type='np') with DDIMScheduler or
 * EulerDiscreteScheduler.from_config(pipe.scheduler.config).
 */
class PipelineGoldenTest {

    private static final List<String> PROMPTS = List.of("a photo of a cat", "an astronaut riding a horse on mars");
    private static final List<String> NEGATIVES = List.of("blurry, low quality", "");

    private static StableDiffusionPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @ParameterizedTest(name = "{0} guidance {1}")
    @CsvSource({
        "ddim, 1.0, pipeline_ddim_cfg1p0",
        "ddim, 7.5, pipeline_ddim_cfg7p5",
        "euler, 1.0, pipeline_euler_cfg1p0",
        "euler, 7.5, pipeline_euler_cfg7p5"
    })
    void matchesDiffusersStepByStep(String scheduler, double guidance, String golden) {
        SafeTensorsFile expected = Fixtures.golden(golden + ".safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray latents = Fixtures.load(Fixtures.golden("pipeline_inputs.safetensors"), "latents", m);
            List<RenderRequest> requests = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                requests.add(RenderRequest.of(PROMPTS.get(i))
                        .withNegativePrompt(NEGATIVES.get(i))
                        .withGuidanceScale(guidance)
                        .withSteps(4)
                        .withSize(32, 32)
                        .withScheduler(scheduler));
            }
            NDList inputs = new NDList();
            NDList outputs = new NDList();
            NDList steps = new NDList();
            NDList finals = new NDList();
            pipeline.render(requests, latents, new StepListener() {
                @Override
                public void onStep(int step, double t, NDArray unetInput, NDArray unetOutput, NDArray after) {
                    inputs.add(copy(unetInput, m));
                    outputs.add(copy(unetOutput, m));
                    steps.add(copy(after, m));
                }

                @Override
                public void onDecoded(NDArray finalLatents, NDArray images) {
                    finals.add(copy(finalLatents, m));
                    finals.add(copy(images, m));
                }
            });
            Tensors.assertClose(
                    golden + " unet_inputs", NDArrays.stack(inputs), Fixtures.load(expected, "unet_inputs", m), 1e-3);
            Tensors.assertClose(
                    golden + " unet_outputs",
                    NDArrays.stack(outputs),
                    Fixtures.load(expected, "unet_outputs", m),
                    1e-3);
            Tensors.assertClose(
                    golden + " step_latents", NDArrays.stack(steps), Fixtures.load(expected, "step_latents", m), 1e-3);
            Tensors.assertClose(
                    golden + " final_latents", finals.get(0), Fixtures.load(expected, "final_latents", m), 1e-3);
            Tensors.assertClose(golden + " images", finals.get(1), Fixtures.load(expected, "images", m), 1e-3);
        }
    }

    private static NDArray copy(NDArray array, NDManager m) {
        NDArray copy = array.duplicate();
        copy.attach(m);
        ai.djl.ndarray.NDScope.unregister(copy); // the step's scope would close it
        return copy;
    }
}
