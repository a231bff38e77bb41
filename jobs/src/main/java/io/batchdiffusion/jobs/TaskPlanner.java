package io.batchdiffusion.jobs;

import io.batchdiffusion.datasets.CatalogueColumns;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Expands one catalogue row into its render tasks, one per sweep point. Each task's values come from
 * the sweep point, else the row, else the job's defaults; its seed and key depend only on the row and
 * the sweep point. Rows that cannot be rendered still become tasks, carrying the reason, so they get
 * a result row without costing model time.
 */
final class TaskPlanner implements FlatMapFunction<Row, Row> {

    private final List<String> passthrough;
    private final JobOptions.RowDefaults defaults;
    private final SweepSpec sweep;
    private final String modelFingerprint;

    TaskPlanner(List<String> passthrough, JobOptions.RowDefaults defaults, SweepSpec sweep, String modelFingerprint) {
        this.passthrough = List.copyOf(passthrough);
        this.defaults = defaults;
        this.sweep = sweep;
        this.modelFingerprint = modelFingerprint;
    }

    @Override
    public Iterator<Row> call(Row row) {
        StructType schema = row.schema();
        String rawPrompt = string(row, CatalogueColumns.PROMPT);
        String rawNegative = string(row, CatalogueColumns.NEGATIVE_PROMPT);
        Optional<String> problem = PromptPolicy.problem("prompt", rawPrompt, bool(row, JobSchemas.PROMPT_VALID_UTF8))
                .or(() -> PromptPolicy.problem(
                        "negative_prompt", rawNegative, bool(row, JobSchemas.NEGATIVE_VALID_UTF8)));
        String prompt = PromptPolicy.clean(rawPrompt);
        String negative = rawNegative == null ? defaults.negativePrompt() : PromptPolicy.clean(rawNegative);
        Long rowSeed = integer(row, CatalogueColumns.SEED);
        Double rowGuidance = floating(row, CatalogueColumns.GUIDANCE_SCALE);
        Long rowSteps = integer(row, CatalogueColumns.NUM_INFERENCE_STEPS);
        Long rowWidth = integer(row, CatalogueColumns.WIDTH);
        Long rowHeight = integer(row, CatalogueColumns.HEIGHT);
        Optional<String> rowProblem = problem.or(() -> RowChecks.size(CatalogueColumns.WIDTH, rowWidth))
                .or(() -> RowChecks.size(CatalogueColumns.HEIGHT, rowHeight));
        String rowScheduler = string(row, CatalogueColumns.SCHEDULER);
        Object[] carried = new Object[passthrough.size()];
        for (int i = 0; i < carried.length; i++) {
            carried[i] = row.get(schema.fieldIndex(passthrough.get(i)));
        }
        String rowId = schema.getFieldIndex(CatalogueColumns.ID).isDefined()
                        && !row.isNullAt(row.fieldIndex(CatalogueColumns.ID))
                ? String.valueOf(row.get(row.fieldIndex(CatalogueColumns.ID)))
                : RenderKeys.contentId(
                        String.valueOf(rawPrompt),
                        negative,
                        rowSeed,
                        rowGuidance,
                        rowSteps,
                        rowWidth,
                        rowHeight,
                        rowScheduler,
                        java.util.Arrays.toString(carried));

        List<Row> tasks = new ArrayList<>();
        for (SweepSpec.SweepPoint point : sweep.points()) {
            long seed = point.seed() != null
                    ? (rowSeed != null ? rowSeed + point.seed() : point.seed())
                    : (rowSeed != null ? rowSeed : RenderKeys.seedForRow(rowId));
            double guidance = point.guidance() != null
                    ? point.guidance()
                    : (rowGuidance != null ? rowGuidance : defaults.guidanceScale());
            int steps = clampToInt(
                    point.steps() != null ? point.steps() : (rowSteps != null ? rowSteps : defaults.steps()));
            String scheduler = point.scheduler() != null
                    ? point.scheduler()
                    : (rowScheduler != null ? rowScheduler : defaults.scheduler());
            int width = clampToInt(rowWidth != null ? rowWidth : defaults.width());
            int height = clampToInt(rowHeight != null ? rowHeight : defaults.height());
            String key = RenderKeys.key(
                    rowId,
                    prompt == null ? "\u0001<null>" : prompt,
                    negative,
                    seed,
                    guidance,
                    steps,
                    scheduler,
                    width,
                    height,
                    modelFingerprint);
            Object[] values = new Object[carried.length + 11];
            System.arraycopy(carried, 0, values, 0, carried.length);
            int at = carried.length;
            values[at++] = rowId;
            values[at++] = key;
            values[at++] = prompt;
            values[at++] = negative;
            values[at++] = seed;
            values[at++] = guidance;
            values[at++] = steps;
            values[at++] = scheduler;
            values[at++] = width;
            values[at++] = height;
            values[at] = rowProblem
                    .or(() -> point.steps() == null ? RowChecks.steps(rowSteps) : Optional.empty())
                    .or(() -> RowChecks.scheduler(scheduler))
                    .orElse(null);
            tasks.add(RowFactory.create(values));
        }
        return tasks.iterator();
    }

    private static int clampToInt(long value) {
        // Out-of-range sizes stay out of range (and are rejected later) rather than wrapping into valid ones.
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    private static boolean present(Row row, String column) {
        return row.schema().getFieldIndex(column).isDefined() && !row.isNullAt(row.fieldIndex(column));
    }

    private static String string(Row row, String column) {
        return present(row, column) ? row.getString(row.fieldIndex(column)) : null;
    }

    private static boolean bool(Row row, String column) {
        return !present(row, column) || row.getBoolean(row.fieldIndex(column));
    }

    private static Long integer(Row row, String column) {
        return present(row, column) ? ((Number) row.get(row.fieldIndex(column))).longValue() : null;
    }

    private static Double floating(Row row, String column) {
        if (!present(row, column)) {
            return null;
        }
        Object value = row.get(row.fieldIndex(column));
        return value instanceof BigDecimal d ? d.doubleValue() : ((Number) value).doubleValue();
    }
}
