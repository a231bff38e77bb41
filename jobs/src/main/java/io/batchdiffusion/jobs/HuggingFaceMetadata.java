package io.batchdiffusion.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hugging Face {@code datasets} feature types of a results table, stored under the {@code
 * huggingface} key of each Parquet file's footer, which is where {@code datasets.load_dataset("parquet",
 * ...)} looks for them: with it the embedded {@code image} column loads as images rather than as a
 * dict of bytes and path. Spark's Parquet writer has no hook for footer metadata, so the committed
 * files are rewritten once (row groups are copied as they are, not decoded) with the key added.
 */
final class HuggingFaceMetadata {

    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceMetadata.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "huggingface";

    private HuggingFaceMetadata() {}

    /** The {@code {"info": {"features": ...}}} document for {@code schema}, or null if a type has no equivalent. */
    static String featuresJson(StructType schema) {
        ObjectNode features = JSON.createObjectNode();
        for (StructField field : schema.fields()) {
            ObjectNode feature = feature(field.name(), field.dataType());
            if (feature == null) {
                LOG.warn(
                        "column '{}' of type {} has no Hugging Face feature type; the table gets no datasets metadata",
                        field.name(),
                        field.dataType().simpleString());
                return null;
            }
            features.set(field.name(), feature);
        }
        ObjectNode root = JSON.createObjectNode();
        root.putObject("info").set("features", features);
        return root.toString();
    }

    private static ObjectNode feature(String name, DataType type) {
        if (name.equals(JobSchemas.IMAGE) && type instanceof StructType) {
            return JSON.createObjectNode().put("_type", "Image");
        }
        if (type instanceof StructType struct) {
            ObjectNode nested = JSON.createObjectNode();
            for (StructField field : struct.fields()) {
                ObjectNode inner = feature(field.name(), field.dataType());
                if (inner == null) {
                    return null;
                }
                nested.set(field.name(), inner);
            }
            return nested;
        }
        if (type instanceof ArrayType array) {
            ObjectNode element = feature("", array.elementType());
            return element == null
                    ? null
                    : JSON.createObjectNode().put("_type", "Sequence").set("feature", element);
        }
        String dtype = valueType(type);
        return dtype == null
                ? null
                : JSON.createObjectNode().put("dtype", dtype).put("_type", "Value");
    }

    private static String valueType(DataType type) {
        Map<DataType, String> names = Map.of(
                DataTypes.StringType, "string",
                DataTypes.LongType, "int64",
                DataTypes.IntegerType, "int32",
                DataTypes.ShortType, "int16",
                DataTypes.ByteType, "int8",
                DataTypes.DoubleType, "float64",
                DataTypes.FloatType, "float32",
                DataTypes.BooleanType, "bool",
                DataTypes.BinaryType, "binary");
        return names.get(type);
    }

    /** Adds the features to the footer of every Parquet file under {@code table}. */
    static void addTo(String table, StructType schema, Configuration conf) {
        String features = featuresJson(schema);
        if (features == null) {
            return;
        }
        Path root = new Path(table);
        try {
            FileSystem fs = root.getFileSystem(conf);
            for (FileStatus file : fs.listStatus(root, p -> p.getName().endsWith(".parquet"))) {
                rewrite(fs, file.getPath(), features, conf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add Hugging Face metadata to " + table, e);
        }
    }

    private static void rewrite(FileSystem fs, Path file, String features, Configuration conf) throws IOException {
        ParquetMetadata footer;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
            footer = reader.getFooter();
        }
        Map<String, String> metadata = new HashMap<>(footer.getFileMetaData().getKeyValueMetaData());
        metadata.put(KEY, features);
        // A hidden name: readers skip it if the rewrite is interrupted.
        Path rewritten = new Path(file.getParent(), "_" + file.getName() + ".hf");
        ParquetFileWriter writer = new ParquetFileWriter(
                HadoopOutputFile.fromPath(rewritten, conf),
                footer.getFileMetaData().getSchema(),
                ParquetFileWriter.Mode.OVERWRITE,
                ParquetWriter.DEFAULT_BLOCK_SIZE,
                ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
        writer.start();
        writer.appendFile(HadoopInputFile.fromPath(file, conf));
        writer.end(metadata);
        fs.delete(file, false);
        if (!fs.rename(rewritten, file)) {
            throw new IOException("cannot move " + rewritten + " to " + file);
        }
    }
}
