package io.batchdiffusion.jobs.report;

import io.batchdiffusion.jobs.RenderStatus;

/** One render of the results table, reduced to what the report shows. */
record ReportRow(
        String rowId,
        String prompt,
        String category,
        long seed,
        double guidance,
        int steps,
        String scheduler,
        int width,
        int height,
        String status,
        String error,
        String imagePath,
        Float clipScore) {

    boolean ok() {
        return RenderStatus.OK.name().equals(status);
    }

    /** The score of a successful render, or {@code null}. */
    Double score() {
        return ok() && clipScore != null && Float.isFinite(clipScore) ? clipScore.doubleValue() : null;
    }
}
