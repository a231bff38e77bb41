package io.batchdiffusion.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's warning for prompts longer than the text encoder reads: once per catalogue row in
 * this JVM (a sweep renders a row several times), naming the row and the count, never the prompt text,
 * which may be long, private, or crafted to forge log lines.
 */
final class TruncationWarnings {

    private static final Logger LOG = LoggerFactory.getLogger(TruncationWarnings.class);

    /** Bounds the memory of the once-per-row bookkeeping on huge catalogues. */
    private static final int MAX_REMEMBERED = 100_000;

    private static final Map<String, Boolean> WARNED = new ConcurrentHashMap<>();

    private TruncationWarnings() {}

    static void warnOnce(RenderTask task, int tokens, int maxTokens) {
        if (WARNED.size() >= MAX_REMEMBERED) {
            WARNED.clear();
        }
        if (WARNED.putIfAbsent(task.rowId(), Boolean.TRUE) == null) {
            LOG.warn(
                    "row {}: prompt has {} CLIP tokens, over the model's {}; rendered from the first {}"
                            + " (truncated=true in the results)",
                    printable(task.rowId()),
                    tokens,
                    maxTokens,
                    maxTokens);
        }
    }

    /** A row id for a log line: control and format characters escaped, at most 80 characters. */
    static String printable(String text) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(text.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.SURROGATE) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return text.length() > limit ? sb + "... (" + text.length() + " chars)" : sb.toString();
    }
}
