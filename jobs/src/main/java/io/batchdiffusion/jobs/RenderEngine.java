package io.batchdiffusion.jobs;

import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import java.util.List;

/**
 * What an executor needs from the model library: render a batch, score images against prompts, and
 * describe the model for the PNG metadata. One instance per executor JVM (and device), shared by
 * every task the JVM runs.
 */
public interface RenderEngine {

    /** Renders compatible requests (same size, steps and scheduler) in as few forward passes as they allow. */
    List<RenderedImage> render(List<RenderRequest> requests);

    /**
     * CLIP scores of images against their prompts: {@code [i][0]} raw ({@code 100 * cos}), {@code [i][1]}
     * clamped at 0. {@code null} when the run has no scorer.
     */
    float[][] score(List<byte[]> rgbImages, List<int[]> sizes, List<String> prompts);

    /** The untruncated CLIP token count of a prompt (beginning and end tokens included). */
    int tokenCount(String prompt);

    /** The model's maximum prompt length in tokens (77 for CLIP). */
    int maxTokens();

    /** The sampler name AUTOMATIC1111 uses for a scheduler name ({@code null} = the model's own). */
    String samplerName(String scheduler);
}
