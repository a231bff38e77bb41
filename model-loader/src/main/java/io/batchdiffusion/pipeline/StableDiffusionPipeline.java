package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.nn.NativeTuning;
import io.batchdiffusion.nn.NoGrad;
import io.batchdiffusion.schedulers.Scheduler;
import io.batchdiffusion.schedulers.Schedulers;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.WeightStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stable Diffusion text-to-image from a diffusers folder ({@code model_index.json}, {@code tokenizer/},
 * {@code text_encoder/}, {@code unet/}, {@code vae/}, {@code scheduler/}).
 *
 * <pre>{@code
 * try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(Path.of("models/tiny-sd-a"), PipelineOptions.cpu())) {
 *     List<RenderedImage> images = sd.render(List.of(
 *             RenderRequest.of("a red circle on a blue background").withSeed(42).withSteps(20),
 *             RenderRequest.of("a green square").withSeed(7).withGuidanceScale(5)));
 *     Files.write(Path.of("circle.png"), images.get(0).toPng("Euler", "local"));
 * }
 * }</pre>
 *
 * <p>A call renders requests with different sizes, step counts, schedulers or clip skip in separate
 * groups and each group in as few forward passes as it allows. Each group runs in its own {@link
 * NDManager}, closed when the group ends. An image depends only on its own request.
 */
public final class StableDiffusionPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StableDiffusionPipeline.class);

    private final Path folder;
    private final PipelineOptions options;
    private final NDManager manager;
    private final PromptEncoder prompts;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final ImageDecoder decoder;
    private final DenoisingLoop loop;
    private final String defaultScheduler;
    private final Map<String, Schedulers> schedulers = new ConcurrentHashMap<>();
    private final int vaeScaleFactor;
    private AutoencoderKL float32Vae;

    private StableDiffusionPipeline(Path folder, PipelineOptions options, NDManager manager) {
        this.folder = folder;
        this.options = options;
        this.manager = manager;
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(component(folder, "tokenizer"));
        this.textEncoder = ClipTextModel.load(component(folder, "text_encoder"), manager, options.dtype());
        this.prompts = new PromptEncoder(tokenizer, textEncoder);
        this.unet = UNet2DConditionModel.load(component(folder, "unet"), manager, options.dtype());
        this.vae = AutoencoderKL.load(component(folder, "vae"), manager, options.vaeDtype());
        this.decoder = new ImageDecoder(vae, this::float32Vae);
        this.loop = new DenoisingLoop(unet);
        this.defaultScheduler = declaredScheduler(component(folder, "scheduler"));
        this.vaeScaleFactor = 1 << (vae.config().blockOutChannels().size() - 1);
    }

    /** Loads every component; fails naming the folder, file and tensor if anything is missing or misshaped. */
    public static StableDiffusionPipeline load(Path folder, PipelineOptions options) {
        if (!Files.isRegularFile(folder.resolve("model_index.json"))) {
            throw new InvalidModelFileException(folder, "not a diffusers pipeline folder: model_index.json is missing");
        }
        WeightStore.refuseUnsafeTree(folder);
        NativeTuning.apply();
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            long start = System.nanoTime();
            StableDiffusionPipeline pipeline = new StableDiffusionPipeline(folder, options, manager);
            LOG.info("loaded {} in {} ms on {}", folder, (System.nanoTime() - start) / 1_000_000, options.device());
            return pipeline;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Path component(Path folder, String name) {
        Path path = folder.resolve(name);
        if (!Files.isDirectory(path)) {
            throw new InvalidModelFileException(path, "component folder '" + name + "' is missing");
        }
        return path;
    }

    /** The {@code _class_name} of the folder's scheduler config, e.g. "PNDMScheduler". */
    private static String declaredScheduler(Path schedulerFolder) {
        Path file = schedulerFolder.resolve("scheduler_config.json");
        try {
            String name = ConfigLoader.mapper()
                    .readTree(file.toFile())
                    .path("_class_name")
                    .asText("");
            if (name.isEmpty()) {
                throw new InvalidModelFileException(file, "scheduler config has no _class_name");
            }
            return name;
        } catch (java.io.IOException e) {
            throw new InvalidModelFileException(file, "cannot read scheduler config: " + e.getMessage(), e);
        }
    }

    /** Renders {@code requests}; images come back in request order. */
    public List<RenderedImage> render(List<RenderRequest> requests) {
        return render(requests, null, StepListener.NONE);
    }

    /**
     * Renders with explicit initial latents ({@code [n, channels, h/f, w/f]}, before scaling by the
     * scheduler's init noise sigma) instead of drawing them from the seeds: the hook that lets the
     * parity checks start from diffusers' own latents. All requests must then form one group.
     */
    public List<RenderedImage> render(List<RenderRequest> requests, NDArray initialLatents, StepListener listener) {
        return NoGrad.call(() -> renderWithoutGradients(requests, initialLatents, listener));
    }

    private List<RenderedImage> renderWithoutGradients(
            List<RenderRequest> requests, NDArray initialLatents, StepListener listener) {
        List<RenderRequest> resolved = resolve(requests);
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < resolved.size(); i++) {
            groups.computeIfAbsent(groupKey(resolved.get(i)), k -> new ArrayList<>())
                    .add(i);
        }
        if (initialLatents != null && groups.size() > 1) {
            throw new IllegalArgumentException(
                    "explicit initial latents need requests of one size, step count and scheduler");
        }
        RenderedImage[] out = new RenderedImage[resolved.size()];
        for (List<Integer> group : groups.values()) {
            List<RenderRequest> batch = new ArrayList<>();
            group.forEach(i -> batch.add(resolved.get(i)));
            List<RenderedImage> images = renderGroup(batch, initialLatents, listener);
            for (int k = 0; k < group.size(); k++) {
                out[group.get(k)] = images.get(k);
            }
        }
        return List.of(out);
    }

    /** Fills model defaults and checks every request before any tensor work. */
    private List<RenderRequest> resolve(List<RenderRequest> requests) {
        List<RenderRequest> resolved = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            RenderRequest r = requests.get(i);
            if (r.width() == 0 || r.height() == 0) {
                r = r.withSize(
                        r.width() == 0 ? defaultWidth() : r.width(), r.height() == 0 ? defaultHeight() : r.height());
            }
            if (r.scheduler() == null) {
                r = r.withScheduler(defaultScheduler);
            }
            String problem = r.problem(0).orElse(null);
            if (problem != null) {
                throw new IllegalArgumentException("request " + i + " ('" + abbreviate(r.prompt()) + "'): " + problem);
            }
            schedulers(r.scheduler()).create(r.numInferenceSteps()); // unknown name or too many steps fail here
            resolved.add(r);
        }
        return resolved;
    }

    private static String groupKey(RenderRequest r) {
        return r.width() + "x" + r.height() + "/" + r.numInferenceSteps() + "/"
                + r.scheduler().toLowerCase(Locale.ROOT) + "/" + r.clipSkip();
    }

    private List<RenderedImage> renderGroup(List<RenderRequest> batch, NDArray initialLatents, StepListener listener) {
        RenderRequest first = batch.get(0);
        try (NDManager scope = manager.newSubManager()) {
            long t0 = System.nanoTime();
            NDArray embeddings = prompts.encode(batch, first.clipSkip(), scope);
            long t1 = System.nanoTime();
            Scheduler scheduler = schedulers(first.scheduler()).create(first.numInferenceSteps());
            PerImageNoise noise = new PerImageNoise(batch);
            long channels = unet.config().inChannels();
            Shape latentShape =
                    new Shape(batch.size(), channels, first.height() / vaeScaleFactor, first.width() / vaeScaleFactor);
            NDArray start = initialLatents == null
                    ? noise.initialLatents(channels, latentShape.get(2), latentShape.get(3), scope, options.dtype())
                    : checkedLatents(initialLatents, latentShape, scope);
            NDArray latents =
                    loop.run(batch, start.mul(scheduler.initNoiseSigma()), embeddings, scheduler, noise, listener);
            long t2 = System.nanoTime();
            ImageDecoder.Decoded decoded = decoder.decode(latents);
            listener.onDecoded(latents, decoded.images());
            List<RenderedImage> images = new ArrayList<>(batch.size());
            long t3 = System.nanoTime();
            int n = batch.size();
            RenderedImage.StageMillis millis =
                    new RenderedImage.StageMillis(ms(t1 - t0) / n, ms(t2 - t1) / n, ms(t3 - t2) / n);
            for (int i = 0; i < n; i++) {
                byte[] rgb = ImageDecoder.toBytes(decoded.images().get(i));
                images.add(new RenderedImage(
                        batch.get(i), first.width(), first.height(), rgb, decoded.finite()[i], millis));
            }
            return images;
        }
    }

    private NDArray checkedLatents(NDArray latents, Shape expected, NDManager scope) {
        if (!latents.getShape().equals(expected)) {
            throw new IllegalArgumentException(
                    "initial latents have shape " + latents.getShape() + ", expected " + expected);
        }
        NDArray copy = latents.toDevice(options.device(), true).toType(options.dtype(), false);
        copy.attach(scope);
        return copy;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private Schedulers schedulers(String name) {
        return schedulers.computeIfAbsent(
                name.toLowerCase(Locale.ROOT), n -> Schedulers.load(folder.resolve("scheduler"), name));
    }

    private synchronized AutoencoderKL float32Vae() {
        if (vae.dtype() == DataType.FLOAT32) {
            return vae;
        }
        if (float32Vae == null) {
            float32Vae = AutoencoderKL.load(folder.resolve("vae"), manager, DataType.FLOAT32);
        }
        return float32Vae;
    }

    /** The width the model was trained at: {@code sample_size} (its last entry when a pair) times the VAE factor. */
    public int defaultWidth() {
        List<Integer> size = unet.config().sampleSize();
        return size.get(size.size() - 1) * vaeScaleFactor;
    }

    public int defaultHeight() {
        return unet.config().sampleSize().get(0) * vaeScaleFactor;
    }

    /** The scheduler the model folder declares, used when a request names none. */
    public String defaultScheduler() {
        return defaultScheduler;
    }

    /** Untruncated CLIP token count of a prompt (with its start and end tokens). */
    public int tokenCount(String prompt) {
        return prompts.tokenCount(prompt);
    }

    /** Prompts longer than this many tokens are truncated. */
    public int maxPromptTokens() {
        return prompts.maxTokens();
    }

    /** AUTOMATIC1111's name of a scheduler ({@code null}: the model's own). */
    public String samplerName(String scheduler) {
        return SamplerNames.of(scheduler == null ? defaultScheduler : scheduler);
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** Arrays alive in the pipeline's managers (the weights, plus anything a batch failed to free). */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    public ClipTextModel textEncoder() {
        return textEncoder;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    @Override
    public void close() {
        manager.close();
    }
}
