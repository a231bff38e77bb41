package io.batchdiffusion.jobs;

import java.util.regex.Pattern;

/** Run ids become a path segment of every output key, so they are restricted to a safe alphabet. */
final class RunIds {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._=-]{0,127}");

    private RunIds() {}

    static void check(String runId) {
        if (!SAFE.matcher(runId).matches() || runId.contains("..")) {
            throw new IllegalArgumentException(
                    "--run-id '" + runId + "' must be 1-128 characters of letters, digits, '.', '_', '=' and '-'");
        }
    }
}
