package io.batchdiffusion.clip;

/**
 * CLIPScore per image/prompt pair (torchmetrics {@code CLIPScore}).
 *
 * @param raw {@code 100 * cos(image, text)}
 * @param clamped {@code max(raw, 0)}, the per-sample CLIPScore
 */
public record ClipScores(float[] raw, float[] clamped) {

    static ClipScores of(float[] raw) {
        float[] clamped = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            clamped[i] = Math.max(raw[i], 0f);
        }
        return new ClipScores(raw, clamped);
    }

    /**
     * What {@code torchmetrics.functional.clip_score} returns for the whole batch: the mean of the raw
     * scores, clamped at 0 (the clamp comes after the mean).
     */
    public float torchmetricsMean() {
        float sum = 0f;
        for (float r : raw) {
            sum += r;
        }
        return Math.max(sum / raw.length, 0f);
    }
}
