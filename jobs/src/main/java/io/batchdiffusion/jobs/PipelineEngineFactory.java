package io.batchdiffusion.jobs;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
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
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The production engine: the Stable Diffusion pipeline and the CLIP scorer of the model library. */
public final class PipelineEngineFactory implements EngineFactory {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineEngineFactory.class);

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
        RenderSlots slots = device.isGpu() ? RenderSlots.oneAtATime() : RenderSlots.forCpu();
        if (slots.splitsThreads()) {
            // process-wide: every render in this JVM then runs on its share of the cores
            JniUtils.setNumThreads(slots.threadsPerRender());
            LOG.info(
                    "{} renders at once, {} torch threads each ({})",
                    slots.concurrent(),
                    slots.threadsPerRender(),
                    RenderSlots.PROPERTY);
        }
        return new PipelineEngine(pipeline, scorer, slots.concurrent());
    }

    /**
     * Renders and scores {@code concurrent} batches at a time (one by default: the engine's native threads
     * then use every core the executor has; see {@link RenderSlots}).
     */
    static final class PipelineEngine implements RenderEngine {
        private final StableDiffusionPipeline pipeline;
        private final ClipScorer scorer;
        private final Semaphore slots;

        PipelineEngine(StableDiffusionPipeline pipeline, ClipScorer scorer, int concurrent) {
            this.pipeline = pipeline;
            this.scorer = scorer;
            this.slots = new Semaphore(concurrent, true);
        }

        @Override
        public List<RenderedImage> render(List<RenderRequest> requests) {
            slots.acquireUninterruptibly();
            try {
                return pipeline.render(requests);
            } finally {
                slots.release();
            }
        }

        @Override
        public float[][] score(List<byte[]> rgbImages, List<int[]> sizes, List<String> prompts) {
            if (scorer == null) {
                return null;
            }
            slots.acquireUninterruptibly();
            try {
                return scoreNow(rgbImages, sizes, prompts);
            } finally {
                slots.release();
            }
        }

        private float[][] scoreNow(List<byte[]> rgbImages, List<int[]> sizes, List<String> prompts) {
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
