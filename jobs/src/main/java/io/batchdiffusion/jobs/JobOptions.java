package io.batchdiffusion.jobs;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a render run is told: where to read and write, which model, the defaults rows fall back
 * on, the sweep, and how to run. Parsed from {@code --flag value} arguments, optionally on top of a
 * properties file given with {@code --conf FILE} (keys are the flag names without dashes). Unknown
 * flags and malformed values fail before Spark starts.
 */
public record JobOptions(
        String catalogue,
        String output,
        String runId,
        String model,
        String scorer,
        RowDefaults defaults,
        SweepSpec sweep,
        int batchSize,
        int partitions,
        ModelDistribution modelDistribution,
        boolean embedImages,
        boolean resume,
        int maxSide,
        int progressSeconds,
        boolean report)
        implements Serializable {

    /** How executors get the model files. */
    public enum ModelDistribution {
        /** Broadcast a descriptor (URI + checksums); each host copies the files once into a local cache. */
        CACHE,
        /** Ship the weight bytes through Spark's broadcast, for executors that cannot reach the store. */
        BROADCAST
    }

    /** Values a row gets when it leaves a column empty and no sweep dimension sets it. */
    public record RowDefaults(
            String negativePrompt, double guidanceScale, int steps, int width, int height, String scheduler)
            implements Serializable {}

    static final List<String> FLAGS = List.of(
            "catalogue",
            "output",
            "run-id",
            "model",
            "scorer",
            "negative-prompt",
            "guidance-scale",
            "num-inference-steps",
            "width",
            "height",
            "scheduler",
            "seeds",
            "guidance",
            "steps",
            "schedulers",
            "batch-size",
            "partitions",
            "model-distribution",
            "embed-images",
            "resume",
            "max-side",
            "progress-seconds",
            "report",
            "conf");

    private static final List<String> SWITCHES = List.of("embed-images", "resume", "report");

    public static JobOptions parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || !FLAGS.contains(flagName(arg))) {
                throw new IllegalArgumentException(
                        "unknown argument '" + arg + "'; flags: --" + String.join(", --", FLAGS));
            }
            String name = flagName(arg);
            if (arg.contains("=")) {
                values.put(name, arg.substring(arg.indexOf('=') + 1));
            } else if (SWITCHES.contains(name)) {
                values.put(name, "true");
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
        }
        if (values.containsKey("conf")) {
            Map<String, String> merged = readConf(Path.of(values.remove("conf")));
            merged.putAll(values);
            values = merged;
        }
        return fromMap(values);
    }

    private static String flagName(String arg) {
        String name = arg.substring(2);
        int eq = name.indexOf('=');
        return eq >= 0 ? name.substring(0, eq) : name;
    }

    private static Map<String, String> readConf(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --conf " + file, e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            if (!FLAGS.contains(key) || key.equals("conf")) {
                throw new IllegalArgumentException(file + ": unknown key '" + key + "'");
            }
            values.put(key, props.getProperty(key).strip());
        }
        return values;
    }

    private static JobOptions fromMap(Map<String, String> v) {
        String catalogue = required(v, "catalogue");
        String output = required(v, "output");
        String model = required(v, "model");
        String scorer = v.getOrDefault("scorer", "");
        for (String flag : List.of("catalogue", "output", "model", "scorer")) {
            UriCredentials.refuse(flag, v.get(flag));
        }
        RowDefaults defaults = new RowDefaults(
                v.getOrDefault("negative-prompt", ""),
                number(v, "guidance-scale", 7.5),
                integer(v, "num-inference-steps", 20),
                integer(v, "width", 0),
                integer(v, "height", 0),
                v.containsKey("scheduler") ? v.get("scheduler").toLowerCase(Locale.ROOT) : null);
        SweepSpec sweep = new SweepSpec(
                v.containsKey("seeds") ? SweepSpec.parseSeeds(v.get("seeds")) : List.of(),
                v.containsKey("guidance") ? SweepSpec.parseDoubles(v.get("guidance"), "--guidance") : List.of(),
                v.containsKey("steps") ? SweepSpec.parseInts(v.get("steps"), "--steps") : List.of(),
                v.containsKey("schedulers")
                        ? SweepSpec.parseNames(v.get("schedulers"), "--schedulers")
                        : new ArrayList<>());
        int batchSize = integer(v, "batch-size", 4);
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1");
        }
        ModelDistribution distribution;
        try {
            distribution = ModelDistribution.valueOf(
                    v.getOrDefault("model-distribution", "cache").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model-distribution must be cache or broadcast");
        }
        String runId = v.getOrDefault(
                "run-id", "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunIds.check(runId);
        return new JobOptions(
                catalogue,
                stripSlash(output),
                runId,
                stripSlash(model),
                stripSlash(scorer),
                defaults,
                sweep,
                batchSize,
                integer(v, "partitions", 0),
                distribution,
                bool(v, "embed-images"),
                bool(v, "resume"),
                integer(v, "max-side", 2048),
                integer(v, "progress-seconds", 10),
                bool(v, "report"));
    }

    public JobOptions withRunId(String value) {
        RunIds.check(value);
        return new JobOptions(
                catalogue,
                output,
                value,
                model,
                scorer,
                defaults,
                sweep,
                batchSize,
                partitions,
                modelDistribution,
                embedImages,
                resume,
                maxSide,
                progressSeconds,
                report);
    }

    public JobOptions withResume(boolean value) {
        return new JobOptions(
                catalogue,
                output,
                runId,
                model,
                scorer,
                defaults,
                sweep,
                batchSize,
                partitions,
                modelDistribution,
                embedImages,
                value,
                maxSide,
                progressSeconds,
                report);
    }

    public JobOptions withReport(boolean value) {
        return new JobOptions(
                catalogue,
                output,
                runId,
                model,
                scorer,
                defaults,
                sweep,
                batchSize,
                partitions,
                modelDistribution,
                embedImages,
                resume,
                maxSide,
                progressSeconds,
                value);
    }

    /** {@code <output>/<run-id>}: everything the run writes lives under it. */
    public String runRoot() {
        return output + "/" + runId;
    }

    private static String stripSlash(String uri) {
        return uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static String required(Map<String, String> v, String name) {
        String value = v.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static int integer(Map<String, String> v, String name, int fallback) {
        String text = v.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": '" + text + "' is not an integer");
        }
    }

    private static double number(Map<String, String> v, String name, double fallback) {
        String text = v.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": '" + text + "' is not a number");
        }
    }

    private static boolean bool(Map<String, String> v, String name) {
        return Boolean.parseBoolean(v.getOrDefault(name, "false"));
    }
}
