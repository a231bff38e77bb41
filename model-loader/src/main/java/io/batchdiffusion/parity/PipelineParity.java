package io.batchdiffusion.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import io.batchdiffusion.pipeline.StepListener;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Every {@code pipeline_<run>.safetensors} of meta.json's {@code pipeline_runs}: the full pipeline
 * from the saved initial latents, compared step by step (UNet inputs and outputs, latents after each
 * step), then the final latents and the decoded images.
 */
final class PipelineParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        JsonNode runs = fixture.meta().path("pipeline_runs");
        SafeTensorsFile inputs = fixture.golden("pipeline_inputs.safetensors").orElse(null);
        if (!runs.isObject() || inputs == null) {
            report.note("no pipeline runs in meta.json (or no pipeline_inputs.safetensors); pipeline not checked");
            return;
        }
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(fixture.model(), PipelineOptions.cpu())) {
            for (Iterator<Map.Entry<String, JsonNode>> it = runs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> run = it.next();
                SafeTensorsFile golden = fixture.golden("pipeline_" + run.getKey() + ".safetensors")
                        .orElse(null);
                if (golden == null) {
                    report.note("no pipeline_" + run.getKey() + ".safetensors");
                    continue;
                }
                try (NDManager m = fixture.manager().newSubManager()) {
                    check(pipeline, fixture, run.getKey(), run.getValue(), inputs, golden, m, report);
                }
            }
        }
    }

    private static void check(
            StableDiffusionPipeline pipeline,
            GoldenFixture fixture,
            String name,
            JsonNode run,
            SafeTensorsFile inputs,
            SafeTensorsFile golden,
            NDManager m,
            ParityReport report) {
        JsonNode meta = fixture.meta();
        int steps = (int) golden.info("timesteps").elementCount();
        List<RenderRequest> requests = new ArrayList<>();
        for (int i = 0; i < meta.path("prompts").size(); i++) {
            JsonNode negatives = meta.path("negative_prompts");
            requests.add(RenderRequest.of(meta.path("prompts").get(i).asText())
                    .withNegativePrompt(negatives.size() > i ? negatives.get(i).asText() : "")
                    .withGuidanceScale(run.path("guidance_scale").asDouble())
                    .withSteps(steps)
                    .withSize(meta.path("width").asInt(), meta.path("height").asInt())
                    .withScheduler(run.path("scheduler").asText()));
        }
        Recorder recorder = new Recorder(m);
        pipeline.render(requests, GoldenFixture.tensor(inputs, "latents", m), recorder);
        String component = "pipeline";
        report.compare(
                component,
                name + " unet_inputs",
                NDArrays.stack(recorder.inputs),
                GoldenFixture.tensor(golden, "unet_inputs", m),
                PIPELINE);
        report.compare(
                component,
                name + " unet_outputs",
                NDArrays.stack(recorder.outputs),
                GoldenFixture.tensor(golden, "unet_outputs", m),
                PIPELINE);
        report.compare(
                component,
                name + " step_latents",
                NDArrays.stack(recorder.steps),
                GoldenFixture.tensor(golden, "step_latents", m),
                PIPELINE);
        report.compare(
                component,
                name + " final_latents",
                recorder.finalLatents,
                GoldenFixture.tensor(golden, "final_latents", m),
                PIPELINE);
        report.compare(
                component, name + " images", recorder.images, GoldenFixture.tensor(golden, "images", m), PIPELINE);
    }

    /** Keeps copies of what the pipeline shows at each step (the step's own arrays die with its scope). */
    private static final class Recorder implements StepListener {
        private final NDManager manager;
        private final NDList inputs = new NDList();
        private final NDList outputs = new NDList();
        private final NDList steps = new NDList();
        private NDArray finalLatents;
        private NDArray images;

        Recorder(NDManager manager) {
            this.manager = manager;
        }

        @Override
        public void onStep(int step, double timestep, NDArray unetInput, NDArray unetOutput, NDArray latents) {
            inputs.add(keep(unetInput));
            outputs.add(keep(unetOutput));
            steps.add(keep(latents));
        }

        @Override
        public void onDecoded(NDArray latents, NDArray decoded) {
            finalLatents = keep(latents);
            images = keep(decoded);
        }

        private NDArray keep(NDArray array) {
            NDArray copy = array.duplicate();
            copy.attach(manager);
            NDScope.unregister(copy);
            return copy;
        }
    }
}
