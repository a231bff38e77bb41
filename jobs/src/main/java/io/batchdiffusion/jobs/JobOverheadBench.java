package io.batchdiffusion.jobs;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.datasets.CatalogueParquet;
import io.batchdiffusion.datasets.CatalogueRow;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * {@code submit/bench-job}: what Spark adds. Renders the same prompts (same steps, size, guidance, batch
 * size, CLIP scoring) in one JVM with the library in a loop, then with the render job in local Spark (one
 * executor: this JVM, every core), at two catalogue sizes ({@code --prompts} and four times as many), and
 * prints the medians, the ratio of the two sides' cost per prompt, the job's fixed cost per run, and its
 * one-time start-up (Spark session, the job's first engine load).
 *
 * <pre>
 * JobOverheadBench [--model models/shapes-sd] [--prompts 16] [--steps 20] [--batch-size 4] [--repeats 3]
 *                  [--work target/bench-job] [--results bench/results]
 * </pre>
 */
public final class JobOverheadBench {

    private static final String[] SUBJECTS = {
        "a red circle on a blue background",
        "a green square on a white background",
        "a yellow triangle on a black background",
        "a small purple circle in the top left corner",
        "a large orange square in the centre",
        "a white triangle on a green background",
        "a blue circle on an orange background",
        "a black square on a yellow background"
    };

    private JobOverheadBench() {}

    public static void main(String[] args) throws IOException {
        String model = "models/shapes-sd";
        int prompts = 16;
        int steps = 20;
        int batchSize = 4;
        int repeats = 3;
        Path work = Path.of("target/bench-job");
        Path results = Path.of("bench/results");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--prompts" -> prompts = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--batch-size" -> batchSize = Integer.parseInt(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--work" -> work = Path.of(args[i + 1]);
                case "--results" -> results = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // Two catalogue sizes: the difference gives each side's cost per prompt, and what the job costs on
        // top of that at any size is its fixed cost per run (a Spark job, the catalogue read, the results
        // write, the manifest).
        int[] sizes = {prompts, 4 * prompts};
        String[] catalogues = new String[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            catalogues[s] = work.resolve("catalogue-" + sizes[s] + ".parquet")
                    .toAbsolutePath()
                    .toString();
            CatalogueParquet.write(rows(sizes[s], steps), catalogues[s], new Configuration());
        }

        long loadStart = System.nanoTime();
        double libraryLoad;
        double[][] library = new double[sizes.length][repeats];
        Path modelFolder = Path.of(model);
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(modelFolder, PipelineOptions.cpu());
                NDManager scorerManager = NDManager.newBaseManager()) {
            ClipScorer scorer = ClipScorer.load(modelFolder.resolve("clip-scorer"), scorerManager, DataType.FLOAT32);
            libraryLoad = millisSince(loadStart);
            for (int s = 0; s < sizes.length; s++) {
                for (int r = 0; r < repeats; r++) {
                    library[s][r] = renderWithLibrary(pipeline, scorer, rows(sizes[s], steps), steps, batchSize);
                }
            }
        }

        long sessionStart = System.nanoTime();
        SparkSession spark = Sessions.create("batch-diffusion job overhead bench");
        double sessionMillis = millisSince(sessionStart);
        double firstJob;
        double[][] job = new double[sizes.length][repeats];
        try {
            firstJob = renderWithJob(spark, catalogues[0], work, modelFolder, batchSize, "first");
            for (int s = 0; s < sizes.length; s++) {
                for (int r = 0; r < repeats; r++) {
                    job[s][r] = renderWithJob(spark, catalogues[s], work, modelFolder, batchSize, sizes[s] + "-" + r);
                }
            }
        } finally {
            spark.stop();
        }
        report(model, sizes, steps, batchSize, libraryLoad, library, sessionMillis, firstJob, job, results);
    }

    private static List<CatalogueRow> rows(int prompts, int steps) {
        List<CatalogueRow> rows = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            rows.add(new CatalogueRow(
                    "p" + i, SUBJECTS[i % SUBJECTS.length], null, (long) i, 7.5, steps, null, null, null, null));
        }
        return rows;
    }

    /** Renders, encodes and scores {@code rows} with the library alone; returns the milliseconds. */
    private static double renderWithLibrary(
            StableDiffusionPipeline pipeline, ClipScorer scorer, List<CatalogueRow> rows, int steps, int batchSize) {
        long start = System.nanoTime();
        for (int from = 0; from < rows.size(); from += batchSize) {
            List<RenderRequest> batch = new ArrayList<>();
            for (CatalogueRow row : rows.subList(from, Math.min(rows.size(), from + batchSize))) {
                batch.add(RenderRequest.of(row.prompt())
                        .withSeed(row.seed())
                        .withSteps(steps)
                        .withGuidanceScale(row.guidanceScale()));
            }
            List<RenderedImage> images = pipeline.render(batch);
            List<RgbImage> pixels = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (RenderedImage image : images) {
                pixels.add(new RgbImage(image.width(), image.height(), image.rgb()));
                texts.add(image.request().prompt());
                image.toPng("DDIM", "bench");
            }
            scorer.score(pixels, texts);
        }
        return millisSince(start);
    }

    /** Runs the render job on {@code catalogue} into a fresh run folder; returns the milliseconds. */
    private static double renderWithJob(
            SparkSession spark, String catalogue, Path work, Path modelFolder, int batchSize, String run) {
        long start = System.nanoTime();
        RenderJob.run(spark, JobOptions.parse(new String[] {
            "--catalogue",
            catalogue,
            "--output",
            work.resolve("out").toAbsolutePath().toString(),
            "--model",
            modelFolder.toAbsolutePath().toString(),
            "--run-id",
            "bench-" + System.currentTimeMillis() + "-" + run,
            "--batch-size",
            Integer.toString(batchSize),
            "--progress-seconds",
            "0"
        }));
        return millisSince(start);
    }

    private static void report(
            String model,
            int[] sizes,
            int steps,
            int batchSize,
            double libraryLoad,
            double[][] library,
            double sessionMillis,
            double firstJob,
            double[][] job,
            Path results)
            throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "job overhead: %s, %d and %d prompts, %d steps, batch %d, CLIP scoring, %d cores, load %.2f%n",
                model,
                sizes[0],
                sizes[1],
                steps,
                batchSize,
                cores,
                load));
        out.append(String.format(Locale.ROOT, "library  load %.0f ms%n", libraryLoad));
        out.append(String.format(
                Locale.ROOT,
                "job      session %.0f ms; first run (%d prompts, engine load) %.0f ms%n",
                sessionMillis,
                sizes[0],
                firstJob));
        for (int s = 0; s < sizes.length; s++) {
            out.append(String.format(
                    Locale.ROOT,
                    "%3d prompts: library median %.0f ms %s, job median %.0f ms %s, ratio %.2f%n",
                    sizes[s],
                    median(library[s]),
                    Arrays.toString(round(library[s])),
                    median(job[s]),
                    Arrays.toString(round(job[s])),
                    median(job[s]) / median(library[s])));
        }
        double extraPrompts = sizes[1] - sizes[0];
        double libraryPerPrompt = (median(library[1]) - median(library[0])) / extraPrompts;
        double jobPerPrompt = (median(job[1]) - median(job[0])) / extraPrompts;
        double perRun = median(job[0]) - jobPerPrompt * sizes[0];
        out.append(String.format(
                Locale.ROOT,
                "ratio    per prompt: job %.0f ms / library %.0f ms = %.2f (target <= 1.2)%n",
                jobPerPrompt,
                libraryPerPrompt,
                jobPerPrompt / libraryPerPrompt));
        out.append(String.format(
                Locale.ROOT,
                "fixed    per run %.0f ms (Spark job, catalogue read, results and manifest write);"
                        + " once %.0f ms (session + first run's extra)%n",
                perRun,
                sessionMillis + firstJob - median(job[0])));
        System.out.print(out);
        Files.createDirectories(results);
        Path file = results.resolve(
                "bench-job-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".txt");
        Files.writeString(file, out.toString());
        System.out.println("results: " + file);
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }
}
