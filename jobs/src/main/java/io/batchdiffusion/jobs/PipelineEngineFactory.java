package io.batchdiffusion.jobs;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.ClipScores;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The production engine: the Stable Diffusion pipeline and the CLIP scorer of the model library. */
public final class PipelineEngineFactory implements EngineFactory {

    @Override
    public RenderEngine create(Path modelFolder, Path scorerFolder, DeviceChoice device) {
        PipelineOptions options = new PipelineOptions(
                device.isGpu() ? Device.gpu(device.deviceId()) : Device.cpu(),
                DataType.valueOf(device.dtype().toUpperCase(java.util.Locale.ROOT)),
                DataType.valueOf(device.vaeDtype().toUpperCase(java.util.Locale.ROOT)));
        StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(modelFolder, options);
        // The scorer lives as long as the executor JVM, like the pipeline.
        ClipScorer scorer = scorerFolder == null
                ? null
                : ClipScorer.load(scorerFolder, NDManager.newBaseManager(options.device()), options.vaeDtype());
        return new PipelineEngine(pipeline, scorer);
    }

    /** Renders one batch at a time: the engine's native threads already use every core the executor has. */
    static final class PipelineEngine implements RenderEngine {
        private final StableDiffusionPipeline pipeline;
        private final ClipScorer scorer;

        PipelineEngine(StableDiffusionPipeline pipeline, ClipScorer scorer) {
            this.pipeline = pipeline;
            this.scorer = scorer;
        }

        @Override
        public synchronized List<RenderedImage> render(List<RenderRequest> requests) {
            return pipeline.render(requests);
        }

        @Override
        public synchronized float[][] score(List<byte[]> rgbImages, List<int[]> sizes, List<String> prompts) {
            if (scorer == null) {
                return null;
            }
            List<RgbImage> images = new ArrayList<>();
            for (int i = 0; i < rgbImages.size(); i++) {
                images.add(new RgbImage(sizes.get(i)[0], sizes.get(i)[1], rgbImages.get(i)));
            }
            ClipScores scores = scorer.score(images, prompts);
            float[][] out = new float[images.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = new float[] {scores.raw()[i], scores.clamped()[i]};
            }
            return out;
        }

        @Override
        public int tokenCount(String prompt) {
            return prompt == null ? 0 : pipeline.tokenCount(prompt);
        }

        @Override
        public int maxTokens() {
            return pipeline.maxPromptTokens();
        }

        @Override
        public String samplerName(String scheduler) {
            return pipeline.samplerName(scheduler);
        }
    }
}
