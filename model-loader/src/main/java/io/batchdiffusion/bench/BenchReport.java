package io.batchdiffusion.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintStream;
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

/** Collects results, prints each line as it is measured, and writes the run as JSON. */
final class BenchReport {

    private static final String HEADER = String.format(
            Locale.ROOT,
            "%-8s %-38s %11s %11s %23s %9s %7s %9s %5s",
            "section",
            "what",
            "median ms",
            "cpu ms",
            "min..max ms (spread)",
            "GFLOP/s",
            "%ceil",
            "img/min",
            "load");

    private final PrintStream out;
    private final List<BenchResult> results = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private double ceiling = Double.NaN;

    BenchReport(PrintStream out) {
        this.out = out;
    }

    void header(String title) {
        out.println(title);
        out.println(HEADER);
    }

    void setCeiling(double gflops) {
        this.ceiling = gflops;
    }

    double ceiling() {
        return ceiling;
    }

    void add(BenchResult r) {
        results.add(r);
        Timing t = r.timing();
        double rate = r.gflops();
        out.println(String.format(
                Locale.ROOT,
                "%-8s %-38s %11.1f %11.1f %23s %9s %7s %9s %5.2f",
                r.section(),
                r.name(),
                t.median(),
                t.cpuMedian(),
                String.format(Locale.ROOT, "%.0f..%.0f (%.0f%%)", t.min(), t.max(), 100 * t.spread()),
                Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%.1f", rate),
                Double.isNaN(rate) || Double.isNaN(ceiling)
                        ? ""
                        : String.format(Locale.ROOT, "%.0f%%", 100 * rate / ceiling),
                Double.isNaN(r.imagesPerMinute()) ? "" : String.format(Locale.ROOT, "%.2f", r.imagesPerMinute()),
                t.loadBefore()));
    }

    /** A figure that is not a timing (memory, ratios), printed and kept in the JSON. */
    void fact(String key, Object value, String text) {
        facts.put(key, value);
        if (text != null) {
            out.println("  " + text);
        }
    }

    List<BenchResult> results() {
        return results;
    }

    Map<String, Object> facts() {
        return facts;
    }

    /** Writes {@code <dir>/bench-<preset>-<time>.json}; returns the file. */
    Path write(Path dir, Map<String, Object> run) {
        ObjectNode root = ConfigLoader.mapper().createObjectNode();
        run.forEach((k, v) -> root.set(k, ConfigLoader.mapper().valueToTree(v)));
        root.put("ceiling_gflops", ceiling);
        ArrayNode lines = root.putArray("results");
        for (BenchResult r : results) {
            ObjectNode line = lines.addObject();
            line.put("section", r.section()).put("name", r.name());
            line.put("median_ms", r.timing().median()).put("min_ms", r.timing().min());
            line.put("max_ms", r.timing().max()).put("spread", r.timing().spread());
            line.set("runs_ms", ConfigLoader.mapper().valueToTree(r.timing().millis()));
            line.set("cpu_ms", ConfigLoader.mapper().valueToTree(r.timing().cpuMillis()));
            if (r.flops() > 0) {
                line.put("gflop_per_run", r.flops() / 1e9).put("gflops", r.gflops());
                line.put("fraction_of_ceiling", r.gflops() / ceiling);
            }
            if (r.images() > 0) {
                line.put("images", r.images()).put("images_per_minute", r.imagesPerMinute());
            }
            line.put("load_before", r.timing().loadBefore())
                    .put("load_after", r.timing().loadAfter());
        }
        root.set("facts", ConfigLoader.mapper().valueToTree(facts));
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path file = dir.resolve("bench-" + run.getOrDefault("preset", "model") + "-" + stamp + ".json");
        try {
            Files.createDirectories(dir);
            ConfigLoader.mapper().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }
}
