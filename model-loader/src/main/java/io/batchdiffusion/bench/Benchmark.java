package io.batchdiffusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.clip.ClipModel;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.nn.ScaledDotProductAttention;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.vae.AutoencoderKL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Runs the sections an {@link BenchOptions} asks for, in one process, into a {@link BenchReport}. */
final class Benchmark {

    /** The prompt length every text-conditioned pass uses (the tokenizer pads to it). */
    private static final int TOKENS = 77;

    private final BenchOptions o;
    private final BenchReport report;

    Benchmark(BenchOptions options, BenchReport report) {
        this.o = options;
        this.report = report;
    }

    /** Runs every chosen section; the model folder is generated (or reused) first. */
    void run(Path folder) {
        if (o.runs("ceiling")) {
            ceiling();
        }
        Map<String, Long> before = MachineInfo.memory();
        long loadStart = System.nanoTime();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(folder, PipelineOptions.cpu())) {
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            if (o.runs("load")) {
                load(folder, loadMs);
            }
            long weights = weightBytes(folder.resolve("unet"), folder.resolve("vae"), folder.resolve("text_encoder"));
            report.fact(
                    "pipeline_weight_bytes",
                    weights,
                    String.format("pipeline weights %.2f GB (fp32 files)", weights / 1e9));
            report.fact(
                    "rss_after_load_bytes",
                    MachineInfo.memory().get("VmRSS"),
                    String.format(
                            "resident after load %.2f GB (before %.2f GB)",
                            gb(MachineInfo.memory().get("VmRSS")), gb(before.get("VmRSS"))));
            try (NDManager m = NDManager.newBaseManager()) {
                if (o.runs("text")) {
                    text(sd.textEncoder(), m);
                }
                if (o.runs("attention")) {
                    attention(sd.unet(), m);
                }
                if (o.runs("unet")) {
                    unet(sd.unet(), m);
                }
                if (o.runs("vae")) {
                    vae(sd.vae(), m);
                }
            }
            memory(weights);
            if (o.runs("threads")) {
                for (int size : o.sizes) {
                    ThreadLayouts.measure(sd.unet(), size, MachineInfo.cores(), o.repeats)
                            .forEach(report::add);
                }
            }
            if (o.runs("e2e")) {
                endToEnd(sd);
            }
            if (o.profile != null) {
                profile(sd.unet(), sd.vae());
            }
        }
        if (o.runs("scorer") && Files.isDirectory(folder.resolve("clip-scorer"))) {
            scorer(folder.resolve("clip-scorer"));
        }
    }

    private void ceiling() {
        double best = 0;
        double matmul = 0;
        for (BenchResult r : MatmulCeiling.measure(o.ceilingSizes, Math.max(3, o.repeats))) {
            best = Math.max(best, r.gflops());
            matmul = r.name().startsWith("matmul") ? Math.max(matmul, r.gflops()) : matmul;
            report.add(r);
        }
        report.setCeiling(best);
        report.fact("ceiling_gflops", best, String.format("ceiling (best product) %.1f GFLOP/s", best));
        report.fact("matmul_gflops", matmul, String.format("best matMul alone %.1f GFLOP/s", matmul));
    }

    private void load(Path folder, double firstMs) {
        Timing t = Timing.measure(0, o.repeats, () -> StableDiffusionPipeline.load(folder, PipelineOptions.cpu())
                .close());
        report.add(BenchResult.of("load", "pipeline load (first " + Math.round(firstMs) + " ms)", t));
    }

    private void text(ClipTextModel encoder, NDManager m) {
        NDArray ids = m.randomInteger(0, encoder.config().vocabSize(), new Shape(2, TOKENS), DataType.INT64);
        Timing t = timed(() -> encoder.promptEmbeddings(ids, null, 0));
        report.add(new BenchResult(
                "text", "text encoder, 2 prompts", t, 2 * FlopCount.clipText(encoder.config(), TOKENS), 0));
    }

    private void unet(UNet2DConditionModel unet, NDManager m) {
        long context = unet.config().perBlock(unet.config().crossAttentionDim()).get(0);
        for (int size : o.sizes) {
            long latent = size / 8;
            NDArray sample = m.randomNormal(new Shape(2, unet.config().inChannels(), latent, latent));
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray text = m.randomNormal(new Shape(2, TOKENS, context));
            Timing timing = timed(() -> unet.forward(sample, t, text));
            double flops = 2 * FlopCount.unet(unet.config(), latent, latent, TOKENS);
            report.add(
                    new BenchResult("unet", "UNet " + size + "x" + size + ", batch 2 (1 CFG step)", timing, flops, 0));
        }
    }

    /**
     * The self-attention of the UNet's first level, where a step spends most of its attention time: (size/8)^2
     * tokens, batch 2. Fused or chunked as {@link ScaledDotProductAttention} chooses; {@code
     * -Dbatchdiffusion.attention.fused=false} in JAVA_OPTS times the chunked products.
     */
    private void attention(UNet2DConditionModel unet, NDManager m) {
        long channels = unet.config().blockOutChannels().get(0);
        long heads = unet.config().headsPerBlock().get(0);
        for (int size : o.sizes) {
            long tokens = (long) (size / 8) * (size / 8);
            Shape shape = new Shape(2, heads, tokens, channels / heads);
            NDArray q = m.randomNormal(shape);
            NDArray k = m.randomNormal(shape);
            NDArray v = m.randomNormal(shape);
            Timing timing =
                    timed(() -> ScaledDotProductAttention.apply(q, k, v, 1 / Math.sqrt(channels / heads), null, false));
            double flops = 2 * FlopCount.attention(tokens, tokens, channels);
            report.add(new BenchResult(
                    "attention", String.format("self-attention %d tokens, batch 2", tokens), timing, flops, 0));
        }
    }

    private void vae(AutoencoderKL vae, NDManager m) {
        for (int size : o.sizes) {
            long latent = size / 8;
            NDArray z = m.randomNormal(new Shape(1, vae.config().latentChannels(), latent, latent));
            Timing timing = timed(() -> vae.decode(z));
            double flops = FlopCount.vaeDecoder(vae.config(), latent, latent);
            report.add(new BenchResult("vae", "VAE decoder " + size + "x" + size + ", 1 image", timing, flops, 0));
        }
    }

    private void scorer(Path scorerFolder) {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipModel clip = ClipModel.load(scorerFolder, m, DataType.FLOAT32);
            int size = clip.config().visionConfig().imageSize();
            NDArray pixels = m.randomNormal(new Shape(1, 3, size, size));
            Timing timing = timed(() -> clip.imageFeatures(pixels));
            double flops = FlopCount.clipVision(clip.config().visionConfig());
            report.add(new BenchResult("scorer", "CLIP image tower, 1 image", timing, flops, 0));
        }
    }

    private void endToEnd(StableDiffusionPipeline sd) {
        for (int size : o.e2eSizes) {
            double single = Double.NaN;
            for (int batch : o.batches) {
                List<RenderRequest> requests = requests(size, batch);
                Timing t = Timing.measure(0, o.e2eRepeats, () -> sd.render(requests));
                BenchResult r = new BenchResult(
                        "e2e", String.format("%dx%d, %d steps, batch %d", size, size, o.steps, batch), t, 0, batch);
                report.add(r);
                residentAfter(String.format("e2e_%d_batch%d", size, batch));
                if (batch == 1) {
                    single = t.median();
                } else if (!Double.isNaN(single)) {
                    double ratio = t.median() / (batch * single);
                    report.fact(
                            "batch" + batch + "_vs_singles_" + size,
                            ratio,
                            String.format(
                                    "batch of %d at %d costs %.2fx %d single renders", batch, size, ratio, batch));
                }
            }
        }
    }

    private List<RenderRequest> requests(int size, int batch) {
        List<RenderRequest> requests = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            requests.add(RenderRequest.of("a benchmark prompt number " + i + ", highly detailed")
                    .withSeed(1000 + i)
                    .withSteps(o.steps)
                    .withGuidanceScale(o.guidance)
                    .withSize(size, size));
        }
        return requests;
    }

    /**
     * Memory after a render: the process's peak so far, and glibc's heap (which keeps freed blocks, so
     * it holds the largest render's activations plus fragmentation): what an executor must be sized for.
     */
    private void residentAfter(String key) {
        Map<String, Long> mem = MachineInfo.memory();
        long peak = mem.getOrDefault("VmHWM", 0L);
        long heap = mem.getOrDefault("RssAnon", 0L);
        report.fact(key + "_peak_rss_bytes", peak, null);
        report.fact(
                key + "_anon_bytes",
                heap,
                String.format(
                        "after it: peak resident so far %.2f GB, native heap and JVM %.2f GB", gb(peak), gb(heap)));
    }

    /** Peak resident memory once every pipeline component has run, against the weights' bytes. */
    private void memory(long weights) {
        Map<String, Long> mem = MachineInfo.memory();
        long peak = mem.getOrDefault("VmHWM", 0L);
        double limit = 1.25 * weights + 1e9;
        report.fact(
                "peak_rss_bytes",
                peak,
                String.format(
                        "peak resident %.2f GB (anon %.2f GB, mapped files %.2f GB) = %.2fx weights; target <= %.2f GB",
                        gb(peak),
                        gb(mem.get("RssAnon")),
                        gb(mem.get("RssFile")),
                        peak / (double) weights,
                        limit / 1e9));
    }

    /** One profiled forward of each section asked for, at each size, summarised by top operators. */
    private void profile(UNet2DConditionModel unet, AutoencoderKL vae) {
        try (NDManager m = NDManager.newBaseManager()) {
            Files.createDirectories(o.profile);
            long context =
                    unet.config().perBlock(unet.config().crossAttentionDim()).get(0);
            for (int size : o.sizes) {
                long latent = size / 8;
                if (o.runs("unet")) {
                    NDArray sample = m.randomNormal(new Shape(2, unet.config().inChannels(), latent, latent));
                    NDArray t = m.create(new float[] {500f, 500f});
                    NDArray text = m.randomNormal(new Shape(2, TOKENS, context));
                    double flops = 2 * FlopCount.unet(unet.config(), latent, latent, TOKENS);
                    profiled("unet-" + size, "UNet " + size + "x" + size, flops, () -> unet.forward(sample, t, text));
                }
                if (o.runs("vae")) {
                    NDArray z = m.randomNormal(new Shape(1, vae.config().latentChannels(), latent, latent));
                    double flops = FlopCount.vaeDecoder(vae.config(), latent, latent);
                    profiled("vae-" + size, "VAE decoder " + size + "x" + size, flops, () -> vae.decode(z));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void profiled(String file, String what, double flops, Supplier<NDArray> forward) {
        Path trace = o.profile.resolve(file + ".json");
        JniUtils.startProfile(false, true, false);
        try {
            forward.get().close();
        } finally {
            JniUtils.stopProfile(trace.toString());
        }
        ProfileSummary.print(trace, report, what, flops);
    }

    /** One warm-up run, then {@code repeats} timed runs; each output is freed at once (its temporaries already are). */
    private Timing timed(Supplier<NDArray> forward) {
        return Timing.measure(1, o.repeats, () -> forward.get().close());
    }

    static long weightBytes(Path... components) {
        long total = 0;
        for (Path dir : components) {
            try (Stream<Path> files = Files.list(dir)) {
                total += files.filter(p -> p.toString().endsWith(".safetensors"))
                        .mapToLong(p -> p.toFile().length())
                        .sum();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    private static double gb(Long bytes) {
        return bytes == null ? Double.NaN : bytes / 1e9;
    }
}
