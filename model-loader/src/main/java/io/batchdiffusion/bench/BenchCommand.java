package io.batchdiffusion.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.nn.NativeTuning;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bench [options]}: generates (or reuses) a random-weight model of a preset in a temporary
 * folder and measures it, printing a table and writing JSON under {@code bench/results/}. See {@link
 * BenchOptions#USAGE}. Exits 2 on bad arguments.
 */
public final class BenchCommand {

    private BenchCommand() {}

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.generateOnly) {
            System.out.println(RandomModelWriter.ensure(options.preset, options.seed, options.fixture, options.cache));
            return;
        }
        Path file = run(options, String.join(" ", args));
        System.out.println("results: " + file);
    }

    /** Runs the bench and returns the JSON file it wrote. */
    static Path run(BenchOptions o, String commandLine) {
        NativeTuning.apply(); // as the pipeline does, so the ceiling runs in the same process state
        Engine.getInstance(); // loads the native library before any JniUtils call
        if (o.threads > 0) {
            JniUtils.setNumThreads(o.threads);
        }
        long start = System.nanoTime();
        Path folder = o.model != null ? o.model : RandomModelWriter.ensure(o.preset, o.seed, o.fixture, o.cache);
        double generateS = (System.nanoTime() - start) / 1e9;
        BenchReport report = new BenchReport(System.out);
        double[] loadStart = MachineInfo.loadAverage();
        report.header(String.format(
                "bench %s (%s) on %d cores (%s), torch intra-op threads %d, OMP_WAIT_POLICY=%s, GLIBC_TUNABLES=%s,"
                        + " MKL kernels by %s, load average %.2f %.2f %.2f",
                o.preset.name(),
                folder,
                MachineInfo.cores(),
                MachineInfo.cpuModel(),
                JniUtils.getNumThreads(),
                NativeTuning.ompWaitPolicy(),
                System.getenv().getOrDefault("GLIBC_TUNABLES", ""),
                NativeTuning.mklDispatchInstalled() ? "CPU features" : "MKL's default (vendor)",
                loadStart[0],
                loadStart[1],
                loadStart[2]));
        new Benchmark(o, report).run(folder);
        double[] loadEnd = MachineInfo.loadAverage();
        report.fact(
                "load_average_end",
                loadEnd,
                String.format("load average at end %.2f %.2f %.2f", loadEnd[0], loadEnd[1], loadEnd[2]));
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("preset", o.preset.name());
        run.put("label", o.label);
        run.put("command", "bench " + commandLine);
        run.put("model", folder.toString());
        run.put("model_ready_seconds", generateS);
        run.put("cores", MachineInfo.cores());
        run.put("cpu", MachineInfo.cpuModel());
        run.put("torch_threads", JniUtils.getNumThreads());
        run.put("omp_wait_policy", NativeTuning.ompWaitPolicy());
        run.put("glibc_tunables", System.getenv().getOrDefault("GLIBC_TUNABLES", ""));
        run.put("mkl_dispatch_by_features", NativeTuning.mklDispatchInstalled());
        run.put("malloc_keep", System.getProperty("batchdiffusion.malloc.keep", "true"));
        run.put("load_average_start", loadStart);
        run.put("steps", o.steps);
        run.put("guidance", o.guidance);
        run.put("repeats", o.repeats);
        return report.write(o.results, run);
    }
}
