package io.batchdiffusion.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writes and reads catalogues as Parquet through Hadoop's FileSystem API (so local paths, {@code
 * s3a://} and {@code hdfs://} all work). Known columns get their natural types; extra columns are
 * strings.
 */
public final class CatalogueParquet {

    private CatalogueParquet() {}

    public static void write(List<CatalogueRow> rows, String uri, Configuration conf) {
        Set<String> extras = new LinkedHashSet<>();
        rows.forEach(r -> extras.addAll(r.extra().keySet()));
        MessageType schema = schema(extras);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new Path(uri))
                .withConf(conf)
                .withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.GZIP)
                .build()) {
            for (CatalogueRow row : rows) {
                writer.write(toGroup(groups.newGroup(), row));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write catalogue " + uri, e);
        }
    }

    private static MessageType schema(Set<String> extras) {
        Types.MessageTypeBuilder builder = Types.buildMessage();
        string(builder, CatalogueColumns.ID);
        string(builder, CatalogueColumns.PROMPT);
        string(builder, CatalogueColumns.NEGATIVE_PROMPT);
        builder.optional(PrimitiveTypeName.INT64).named(CatalogueColumns.SEED);
        builder.optional(PrimitiveTypeName.DOUBLE).named(CatalogueColumns.GUIDANCE_SCALE);
        builder.optional(PrimitiveTypeName.INT32).named(CatalogueColumns.NUM_INFERENCE_STEPS);
        builder.optional(PrimitiveTypeName.INT32).named(CatalogueColumns.WIDTH);
        builder.optional(PrimitiveTypeName.INT32).named(CatalogueColumns.HEIGHT);
        string(builder, CatalogueColumns.SCHEDULER);
        extras.forEach(name -> string(builder, name));
        return builder.named("catalogue");
    }

    private static void string(Types.MessageTypeBuilder builder, String name) {
        builder.optional(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(name);
    }

    private static Group toGroup(Group g, CatalogueRow row) {
        if (row.id() != null) g.add(CatalogueColumns.ID, row.id());
        if (row.prompt() != null) g.add(CatalogueColumns.PROMPT, row.prompt());
        if (row.negativePrompt() != null) g.add(CatalogueColumns.NEGATIVE_PROMPT, row.negativePrompt());
        if (row.seed() != null) g.add(CatalogueColumns.SEED, row.seed());
        if (row.guidanceScale() != null) g.add(CatalogueColumns.GUIDANCE_SCALE, row.guidanceScale());
        if (row.numInferenceSteps() != null) g.add(CatalogueColumns.NUM_INFERENCE_STEPS, row.numInferenceSteps());
        if (row.width() != null) g.add(CatalogueColumns.WIDTH, row.width());
        if (row.height() != null) g.add(CatalogueColumns.HEIGHT, row.height());
        if (row.scheduler() != null) g.add(CatalogueColumns.SCHEDULER, row.scheduler());
        row.extra().forEach((k, v) -> {
            if (v != null) g.add(k, v);
        });
        return g;
    }

    /** Reads a catalogue file written by {@link #write} (or any file of the catalogue schema). */
    public static List<CatalogueRow> read(String uri, Configuration conf) {
        List<CatalogueRow> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new Path(uri))
                .withConf(conf)
                .build()) {
            for (Group g; (g = reader.read()) != null; ) {
                rows.add(fromGroup(g));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read catalogue " + uri, e);
        }
        return rows;
    }

    private static CatalogueRow fromGroup(Group g) {
        Map<String, String> extra = new LinkedHashMap<>();
        for (Type field : g.getType().getFields()) {
            String name = field.getName();
            if (!CatalogueColumns.KNOWN.containsKey(name) && g.getFieldRepetitionCount(name) > 0) {
                extra.put(name, g.getValueToString(g.getType().getFieldIndex(name), 0));
            }
        }
        return new CatalogueRow(
                str(g, CatalogueColumns.ID),
                str(g, CatalogueColumns.PROMPT),
                str(g, CatalogueColumns.NEGATIVE_PROMPT),
                has(g, CatalogueColumns.SEED) ? g.getLong(CatalogueColumns.SEED, 0) : null,
                has(g, CatalogueColumns.GUIDANCE_SCALE) ? g.getDouble(CatalogueColumns.GUIDANCE_SCALE, 0) : null,
                has(g, CatalogueColumns.NUM_INFERENCE_STEPS)
                        ? g.getInteger(CatalogueColumns.NUM_INFERENCE_STEPS, 0)
                        : null,
                has(g, CatalogueColumns.WIDTH) ? g.getInteger(CatalogueColumns.WIDTH, 0) : null,
                has(g, CatalogueColumns.HEIGHT) ? g.getInteger(CatalogueColumns.HEIGHT, 0) : null,
                str(g, CatalogueColumns.SCHEDULER),
                extra);
    }

    private static boolean has(Group g, String name) {
        return g.getType().containsField(name) && g.getFieldRepetitionCount(name) > 0;
    }

    private static String str(Group g, String name) {
        return has(g, name) ? g.getString(name, 0) : null;
    }
}
