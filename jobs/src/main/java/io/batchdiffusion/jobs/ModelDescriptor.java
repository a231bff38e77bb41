package io.batchdiffusion.jobs;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What executors need to find and check a model: its URI, the sha256 of every file (by path relative
 * to the model root) and the fingerprint over all of them. Small enough to broadcast; the weights
 * themselves travel only when {@code --model-distribution broadcast} is chosen.
 */
public record ModelDescriptor(String uri, Map<String, String> sha256ByFile, String fingerprint)
        implements Serializable {

    public ModelDescriptor {
        sha256ByFile = java.util.Collections.unmodifiableMap(new TreeMap<>(sha256ByFile));
    }

    /** A fingerprint over the file names and their checksums, in name order. */
    public static String fingerprintOf(Map<String, String> sha256ByFile) {
        StringBuilder sb = new StringBuilder("model-v1");
        new TreeMap<>(sha256ByFile)
                .forEach((name, sha) ->
                        sb.append('\u0000').append(name).append('=').append(sha));
        return RenderKeys.sha256Hex(sb.toString());
    }

    /** The first 10 hex digits, the length AUTOMATIC1111 shows as "Model hash". */
    public String shortHash() {
        return fingerprint.substring(0, 10);
    }

    public boolean isEmpty() {
        return sha256ByFile.isEmpty();
    }
}
