package io.batchdiffusion.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Pure functions from a render's identity to the values derived from it: the object key (a hash, so
 * whatever a row id contains, every object lands under the run prefix and well inside S3's 1,024-byte
 * key limit), the automatic row id of rows without one, and the seed of rows without one.
 */
public final class RenderKeys {

    private RenderKeys() {}

    /** The object key of one render: sha256 over the row id, the render's parameters and the model. */
    public static String key(
            String rowId,
            String prompt,
            String negativePrompt,
            long seed,
            double guidance,
            int steps,
            String scheduler,
            int width,
            int height,
            String modelFingerprint) {
        return sha256Hex(String.join(
                "\u0000",
                "render-v1",
                rowId,
                String.valueOf(prompt),
                String.valueOf(negativePrompt),
                Long.toString(seed),
                Double.toString(guidance),
                Integer.toString(steps),
                String.valueOf(scheduler),
                Integer.toString(width),
                Integer.toString(height),
                modelFingerprint));
    }

    /** An id for a row that has none: a hash of its content, so identical rows share it. */
    public static String contentId(String prompt, String negativePrompt, Object... otherColumns) {
        StringBuilder sb = new StringBuilder("row-v1\u0000")
                .append(prompt)
                .append('\u0000')
                .append(negativePrompt);
        for (Object column : otherColumns) {
            sb.append('\u0000').append(column);
        }
        return "auto-" + sha256Hex(sb.toString()).substring(0, 20);
    }

    /**
     * The seed of a row that sets none: 32 bits of a hash of its id (PyTorch's CPU generator uses 32
     * bits), so a row keeps its seed however the catalogue is partitioned or batched.
     */
    public static long seedForRow(String rowId) {
        String hex = sha256Hex("seed-v1\u0000" + rowId);
        return Long.parseLong(hex.substring(0, 8), 16);
    }

    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
