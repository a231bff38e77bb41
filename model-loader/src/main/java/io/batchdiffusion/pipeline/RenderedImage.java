package io.batchdiffusion.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A rendered image: interleaved 8-bit RGB rows, the request that made it, whether every decoded value
 * was finite, and the milliseconds each stage spent on it (a batch's stage time shared by its images).
 */
public record RenderedImage(
        RenderRequest request, int width, int height, byte[] rgb, boolean finite, StageMillis millis) {

    /** Per-image share of each pipeline stage's wall time. */
    public record StageMillis(long textEncode, long denoise, long decode) {}

    /**
     * The PNG of this image with its generation parameters in a {@code parameters} text chunk, in the
     * format AUTOMATIC1111 and stable-diffusion.cpp write, so existing tools read them back.
     *
     * @param samplerName the sampler as those tools name it (e.g. "Euler a")
     * @param modelHash a short hash of the model (the first 10 hex digits of its fingerprint)
     */
    public byte[] toPng(String samplerName, String modelHash) {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("parameters", parametersText(samplerName, modelHash));
        return PngWriter.encode(width, height, rgb, text);
    }

    /** {@code <prompt>\nNegative prompt: ...\nSteps: N, Sampler: ..., CFG scale: ..., Seed: ..., Size: WxH, Model hash: ...} */
    public String parametersText(String samplerName, String modelHash) {
        StringBuilder sb = new StringBuilder(request.prompt());
        if (!request.negativePrompt().isEmpty()) {
            sb.append("\nNegative prompt: ").append(request.negativePrompt());
        }
        sb.append("\nSteps: ").append(request.numInferenceSteps());
        sb.append(", Sampler: ").append(samplerName);
        sb.append(", CFG scale: ").append(formatNumber(request.guidanceScale()));
        sb.append(", Seed: ").append(request.seed());
        sb.append(", Size: ").append(width).append('x').append(height);
        sb.append(", Model hash: ").append(modelHash);
        if (request.clipSkip() > 0) {
            sb.append(", Clip skip: ").append(request.clipSkip() + 1);
        }
        if (request.guidanceRescale() > 0) {
            sb.append(", CFG Rescale: ").append(formatNumber(request.guidanceRescale()));
        }
        return sb.toString();
    }

    private static String formatNumber(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }
}
