package io.batchdiffusion.jobs;

import io.batchdiffusion.pipeline.RenderRequest;
import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.Row;

/** One task row of the render plan, as the executor reads it (the layout of {@link JobSchemas#tasks}). */
record RenderTask(
        Object[] passthrough,
        String rowId,
        String key,
        String prompt,
        String negativePrompt,
        long seed,
        double guidanceScale,
        int steps,
        String scheduler,
        int width,
        int height,
        String inputProblem) {

    static RenderTask fromRow(Row row, int passthroughCount) {
        Object[] carried = new Object[passthroughCount];
        for (int i = 0; i < passthroughCount; i++) {
            carried[i] = row.get(i);
        }
        int at = passthroughCount;
        return new RenderTask(
                carried,
                row.getString(at),
                row.getString(at + 1),
                row.isNullAt(at + 2) ? null : row.getString(at + 2),
                row.isNullAt(at + 3) ? "" : row.getString(at + 3),
                row.getLong(at + 4),
                row.getDouble(at + 5),
                row.getInt(at + 6),
                row.isNullAt(at + 7) ? null : row.getString(at + 7),
                row.getInt(at + 8),
                row.getInt(at + 9),
                row.isNullAt(at + 10) ? null : row.getString(at + 10));
    }

    RenderRequest request() {
        return new RenderRequest(prompt, negativePrompt, seed, guidanceScale, steps, width, height, scheduler, 0, 0);
    }

    /** Why this task cannot be rendered, decided without model work. */
    Optional<String> problem(int maxSide) {
        if (inputProblem != null) {
            return Optional.of(inputProblem);
        }
        return request().problem(maxSide);
    }

    /** Tasks with equal batch keys can share forward passes. */
    String batchKey() {
        return width + "x" + height + "/" + steps + "/" + scheduler;
    }

    @Override
    public String toString() {
        return "RenderTask[" + key + ", row " + rowId + ", passthrough " + Arrays.toString(passthrough) + "]";
    }
}
