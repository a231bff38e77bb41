package io.batchdiffusion.pipeline;

import java.util.Objects;
import java.util.Optional;

/**
 * One image to render. {@code width}/{@code height} of 0 mean the model's default size and a {@code
 * null} scheduler means the model's own; everything else is explicit so that a request alone decides
 * its image.
 *
 * @param guidanceScale classifier-free guidance; at or below 1 the unconditional pass is skipped
 * @param guidanceRescale the rescale factor of "Common Diffusion Noise Schedules and Sample Steps are
 *     Flawed" (0 disables it)
 * @param clipSkip how many of the text encoder's last layers to skip (0 = last hidden state)
 */
public record RenderRequest(
        String prompt,
        String negativePrompt,
        long seed,
        double guidanceScale,
        int numInferenceSteps,
        int width,
        int height,
        String scheduler,
        double guidanceRescale,
        int clipSkip) {

    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final int DEFAULT_STEPS = 20;
    /** diffusers' check_inputs: image sides must be multiples of 8. */
    public static final int SIZE_MULTIPLE = 8;

    public RenderRequest {
        Objects.requireNonNull(prompt, "prompt");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
    }

    /** A request with diffusers' defaults: seed 0, guidance 7.5, 20 steps, the model's size and scheduler. */
    public static RenderRequest of(String prompt) {
        return new RenderRequest(prompt, "", 0, DEFAULT_GUIDANCE, DEFAULT_STEPS, 0, 0, null, 0, 0);
    }

    public RenderRequest withNegativePrompt(String value) {
        return new RenderRequest(
                prompt,
                value,
                seed,
                guidanceScale,
                numInferenceSteps,
                width,
                height,
                scheduler,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withSeed(long value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                value,
                guidanceScale,
                numInferenceSteps,
                width,
                height,
                scheduler,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withGuidanceScale(double value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                value,
                numInferenceSteps,
                width,
                height,
                scheduler,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withSteps(int value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                guidanceScale,
                value,
                width,
                height,
                scheduler,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withSize(int w, int h) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                guidanceScale,
                numInferenceSteps,
                w,
                h,
                scheduler,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withScheduler(String value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                guidanceScale,
                numInferenceSteps,
                width,
                height,
                value,
                guidanceRescale,
                clipSkip);
    }

    public RenderRequest withGuidanceRescale(double value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                guidanceScale,
                numInferenceSteps,
                width,
                height,
                scheduler,
                value,
                clipSkip);
    }

    public RenderRequest withClipSkip(int value) {
        return new RenderRequest(
                prompt,
                negativePrompt,
                seed,
                guidanceScale,
                numInferenceSteps,
                width,
                height,
                scheduler,
                guidanceRescale,
                value);
    }

    /** True when this request runs the unconditional pass (classifier-free guidance). */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    /**
     * What is wrong with this request, if anything, checked without model work. {@code maxSide} bounds
     * width and height (0 = no bound beyond the int range).
     */
    public Optional<String> problem(int maxSide) {
        if (!Double.isFinite(guidanceScale)) {
            return Optional.of("guidance_scale " + guidanceScale + " is not a finite number");
        }
        if (guidanceScale < 0) {
            return Optional.of("guidance_scale " + guidanceScale + " is negative");
        }
        if (guidanceScale > 100) {
            return Optional.of("guidance_scale " + guidanceScale + " is above 100; such values only produce noise");
        }
        if (!Double.isFinite(guidanceRescale) || guidanceRescale < 0 || guidanceRescale > 1) {
            return Optional.of("guidance_rescale " + guidanceRescale + " is outside [0, 1]");
        }
        if (numInferenceSteps < 1 || numInferenceSteps > 1000) {
            return Optional.of("num_inference_steps " + numInferenceSteps + " is outside [1, 1000]");
        }
        if (clipSkip < 0) {
            return Optional.of("clip_skip " + clipSkip + " is negative");
        }
        int[] sides = {width, height};
        String[] names = {"width", "height"};
        for (int i = 0; i < 2; i++) {
            int side = sides[i];
            String name = names[i];
            if (side < 0 || side % SIZE_MULTIPLE != 0) {
                return Optional.of(name + " " + side + " is not a positive multiple of " + SIZE_MULTIPLE);
            }
            if (maxSide > 0 && side > maxSide) {
                return Optional.of(name + " " + side + " is above the configured maximum " + maxSide);
            }
        }
        return Optional.empty();
    }
}
