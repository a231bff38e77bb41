package io.batchdiffusion.jobs;

import io.batchdiffusion.datasets.CatalogueColumns;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The three row shapes of a run: the catalogue (validated before any model work), the render tasks
 * (one per catalogue row and sweep point) and the results. Catalogue columns the job does not know are
 * carried through, first, with their own types.
 */
public final class JobSchemas {

    public static final String ROW_ID = "row_id";
    public static final String KEY = "key";
    public static final String INPUT_PROBLEM = "input_problem";
    public static final String PROMPT_VALID_UTF8 = "_prompt_valid_utf8";
    public static final String NEGATIVE_VALID_UTF8 = "_negative_valid_utf8";
    /** Columns the job adds to the catalogue while planning; a catalogue may not bring its own. */
    private static final Set<String> INTERNAL = Set.of(PROMPT_VALID_UTF8, NEGATIVE_VALID_UTF8);

    public static final String STATUS = "status";
    public static final String ERROR = "error";
    public static final String IMAGE_PATH = "image_path";
    public static final String IMAGE_SHA256 = "image_sha256";
    public static final String CLIP_SCORE_RAW = "clip_score_raw";
    public static final String CLIP_SCORE = "clip_score";
    public static final String PROMPT_TOKENS = "prompt_tokens";
    public static final String TRUNCATED = "truncated";
    public static final String GUIDANCE_APPLIED = "guidance_applied";
    public static final String EXECUTOR_ID = "executor_id";
    public static final String IMAGE = "image";

    /** Per-stage milliseconds, in pipeline order. */
    public static final List<String> STAGE_MILLIS =
            List.of("text_encode_ms", "denoise_ms", "decode_ms", "score_ms", "write_ms");

    private JobSchemas() {}

    /** Checks a catalogue's schema; the message names the source and the column. */
    public static void validateCatalogue(StructType schema, String source) {
        Set<String> names = new LinkedHashSet<>(List.of(schema.fieldNames()));
        if (!names.contains(CatalogueColumns.PROMPT)) {
            throw new CatalogueSchemaException(
                    source, CatalogueColumns.PROMPT, "is missing (columns present: " + String.join(", ", names) + ")");
        }
        for (StructField field : schema.fields()) {
            CatalogueColumns.Kind kind = CatalogueColumns.KNOWN.get(field.name());
            if (kind != null && !accepts(kind, field.dataType(), field.name())) {
                throw new CatalogueSchemaException(
                        source,
                        field.name(),
                        "has type " + field.dataType().simpleString() + "; expected " + describe(kind, field.name()));
            }
            if (kind == null && (resultNames(false).contains(field.name()) || INTERNAL.contains(field.name()))) {
                throw new CatalogueSchemaException(
                        source,
                        field.name(),
                        "collides with a result column of the same name; rename it in the catalogue");
            }
        }
    }

    private static boolean accepts(CatalogueColumns.Kind kind, DataType type, String name) {
        boolean integral = type == DataTypes.LongType
                || type == DataTypes.IntegerType
                || type == DataTypes.ShortType
                || type == DataTypes.ByteType;
        return switch (kind) {
            case STRING -> type == DataTypes.StringType || (name.equals(CatalogueColumns.ID) && integral);
            case INTEGER -> integral;
            case FLOATING ->
                integral
                        || type == DataTypes.DoubleType
                        || type == DataTypes.FloatType
                        || type instanceof org.apache.spark.sql.types.DecimalType;
        };
    }

    private static String describe(CatalogueColumns.Kind kind, String name) {
        return switch (kind) {
            case STRING -> name.equals(CatalogueColumns.ID) ? "string or integer" : "string";
            case INTEGER -> "an integer type";
            case FLOATING -> "a numeric type";
        };
    }

    /** Catalogue columns carried through unchanged. */
    public static List<StructField> passthrough(StructType catalogue) {
        List<StructField> fields = new ArrayList<>();
        for (StructField field : catalogue.fields()) {
            if (!CatalogueColumns.KNOWN.containsKey(field.name()) && !INTERNAL.contains(field.name())) {
                fields.add(field);
            }
        }
        return fields;
    }

    /** The columns every render (task and result) is described by. */
    private static List<StructField> renderFields() {
        return List.of(
                DataTypes.createStructField(ROW_ID, DataTypes.StringType, false),
                DataTypes.createStructField(KEY, DataTypes.StringType, false),
                DataTypes.createStructField(CatalogueColumns.PROMPT, DataTypes.StringType, true),
                DataTypes.createStructField(CatalogueColumns.NEGATIVE_PROMPT, DataTypes.StringType, true),
                DataTypes.createStructField(CatalogueColumns.SEED, DataTypes.LongType, false),
                DataTypes.createStructField(CatalogueColumns.GUIDANCE_SCALE, DataTypes.DoubleType, false),
                DataTypes.createStructField(CatalogueColumns.NUM_INFERENCE_STEPS, DataTypes.IntegerType, false),
                DataTypes.createStructField(CatalogueColumns.SCHEDULER, DataTypes.StringType, true),
                DataTypes.createStructField(CatalogueColumns.WIDTH, DataTypes.IntegerType, false),
                DataTypes.createStructField(CatalogueColumns.HEIGHT, DataTypes.IntegerType, false));
    }

    public static StructType tasks(List<StructField> passthrough) {
        List<StructField> fields = new ArrayList<>(passthrough);
        fields.addAll(renderFields());
        fields.add(DataTypes.createStructField(INPUT_PROBLEM, DataTypes.StringType, true));
        return DataTypes.createStructType(fields);
    }

    public static StructType results(List<StructField> passthrough, boolean embedImages) {
        List<StructField> fields = new ArrayList<>(passthrough);
        fields.addAll(renderFields());
        fields.add(DataTypes.createStructField(STATUS, DataTypes.StringType, false));
        fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(IMAGE_PATH, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(IMAGE_SHA256, DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(CLIP_SCORE_RAW, DataTypes.FloatType, true));
        fields.add(DataTypes.createStructField(CLIP_SCORE, DataTypes.FloatType, true));
        fields.add(DataTypes.createStructField(PROMPT_TOKENS, DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField(TRUNCATED, DataTypes.BooleanType, true));
        fields.add(DataTypes.createStructField(GUIDANCE_APPLIED, DataTypes.BooleanType, true));
        for (String stage : STAGE_MILLIS) {
            fields.add(DataTypes.createStructField(stage, DataTypes.LongType, true));
        }
        fields.add(DataTypes.createStructField(EXECUTOR_ID, DataTypes.StringType, true));
        if (embedImages) {
            // The Hugging Face datasets Image feature's storage: datasets.load_dataset("parquet") decodes it.
            fields.add(DataTypes.createStructField(
                    IMAGE,
                    DataTypes.createStructType(List.of(
                            DataTypes.createStructField("bytes", DataTypes.BinaryType, true),
                            DataTypes.createStructField("path", DataTypes.StringType, true))),
                    true));
        }
        return DataTypes.createStructType(fields);
    }

    private static Set<String> resultNames(boolean embed) {
        Set<String> names = new LinkedHashSet<>(List.of(results(List.of(), true).fieldNames()));
        names.addAll(List.of(tasks(List.of()).fieldNames()));
        return names;
    }

    /** A catalogue that cannot be rendered at all: missing prompt column or a wrongly typed column. */
    public static final class CatalogueSchemaException extends IllegalArgumentException {
        CatalogueSchemaException(String source, String column, String problem) {
            super("catalogue " + source + ": column '" + column + "' " + problem);
        }
    }
}
