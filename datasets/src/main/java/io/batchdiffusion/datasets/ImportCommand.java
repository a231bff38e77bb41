package io.batchdiffusion.datasets;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code import --format parti|text|jsonl --input FILE --output URI}: converts a catalogue to the
 * Parquet schema the render job reads. Skipped lines are listed on stderr; the exit code is 0 when
 * at least one row was written.
 */
public final class ImportCommand {

    private ImportCommand() {}

    public static void main(String[] args) throws IOException {
        String format = null;
        String input = null;
        String output = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--format" -> format = args[++i];
                case "--input" -> input = args[++i];
                case "--output" -> output = args[++i];
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (format == null || input == null || output == null) {
            usage("--format, --input and --output are required");
        }
        CatalogueImport.Format parsedFormat = null;
        try {
            parsedFormat = CatalogueImport.Format.parse(format);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        CatalogueImport.Result result;
        try (Reader reader = Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
            result = CatalogueImport.read(parsedFormat, reader);
        }
        for (String problem : result.problems()) {
            System.err.println(input + ": " + problem);
        }
        CatalogueParquet.write(result.rows(), output, new Configuration());
        System.out.printf(
                "wrote %d rows to %s (%d lines skipped)%n",
                result.rows().size(), output, result.problems().size());
        if (result.rows().isEmpty()) {
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: import --format parti|text|jsonl --input FILE --output URI");
        System.exit(2);
    }
}
