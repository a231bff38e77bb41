package io.batchdiffusion.jobs;

import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor side of a render run: one partition's tasks in, one result row per task out. Invalid
 * tasks are answered without touching the model; the rest are grouped into batches of compatible
 * requests (same size, steps and scheduler), rendered on the JVM's shared engine, written, scored.
 */
final class PartitionRenderer implements MapPartitionsFunction<Row, Row> {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionRenderer.class);

    private final int passthroughCount;
    private final EngineSpec spec;
    private final HadoopConf conf;
    private final String runRoot;
    private final int batchSize;
    private final int maxSide;
    private final boolean embedImages;
    private final JobCounters counters;
    private final String hooksClass;

    PartitionRenderer(
            int passthroughCount,
            EngineSpec spec,
            HadoopConf conf,
            JobOptions options,
            JobCounters counters,
            String hooksClass) {
        this.passthroughCount = passthroughCount;
        this.spec = spec;
        this.conf = conf;
        this.runRoot = options.runRoot();
        this.batchSize = options.batchSize();
        this.maxSide = options.maxSide();
        this.embedImages = options.embedImages();
        this.counters = counters;
        this.hooksClass = hooksClass;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        List<RenderTask> tasks = new ArrayList<>();
        input.forEachRemaining(row -> tasks.add(RenderTask.fromRow(row, passthroughCount)));
        TaskContext context = TaskContext.get();
        DeviceChoice device = DeviceChoice.fromResources(context == null ? null : context.resourcesJMap());
        String executorId = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
        BatchRun run = new BatchRun(
                new ImageStore(runRoot, conf.get()), TaskHooks.load(hooksClass), executorId, device, tasks.size());

        List<Row> results = new ArrayList<>(tasks.size());
        Map<String, List<RenderTask>> groups = new LinkedHashMap<>();
        for (RenderTask task : tasks) {
            Optional<String> problem = task.problem(maxSide);
            if (problem.isPresent()) {
                results.add(
                        ResultRows.failed(task, RenderStatus.INVALID_INPUT, problem.get(), executorId, embedImages));
                counters.rendersFinished().add(1);
            } else {
                groups.computeIfAbsent(task.batchKey(), k -> new ArrayList<>()).add(task);
            }
        }
        for (List<RenderTask> group : groups.values()) {
            for (int from = 0; from < group.size(); from += batchSize) {
                List<RenderTask> batch = group.subList(from, Math.min(group.size(), from + batchSize));
                results.addAll(run.process(batch));
                counters.rendersFinished().add(batch.size());
            }
        }
        return results.iterator();
    }

    /** The state of one task's rendering: its store, hooks and (lazily) the engine. */
    private final class BatchRun {
        private final ImageStore store;
        private final TaskHooks hooks;
        private final String executorId;
        private final DeviceChoice device;
        private final int taskRows;
        private RenderEngine engine;
        private int stored;

        BatchRun(ImageStore store, TaskHooks hooks, String executorId, DeviceChoice device, int taskRows) {
            this.store = store;
            this.hooks = hooks;
            this.executorId = executorId;
            this.device = device;
            this.taskRows = taskRows;
        }

        private RenderEngine engine() {
            if (engine == null) {
                ExecutorEngines.Loaded loaded = ExecutorEngines.get(spec, device, conf.get());
                if (loaded.loadedNow()) {
                    counters.engineLoads().add(1);
                }
                engine = loaded.engine();
            }
            return engine;
        }

        List<Row> process(List<RenderTask> batch) {
            // Outside the per-render error handling: a model that fails its checksums or cannot load
            // fails the task now, before any image is written, instead of failing each render.
            RenderEngine engine = engine();
            List<Finished> finished = new ArrayList<>();
            List<RenderTask> toRender = new ArrayList<>();
            for (RenderTask task : batch) {
                Optional<byte[]> existing = store.existing(task.key());
                if (existing.isPresent()) {
                    counters.imagesReused().add(1);
                    finished.add(Finished.reused(task, existing.get()));
                } else {
                    toRender.add(task);
                }
            }
            for (Outcome outcome : renderWithBackoff(toRender)) {
                finished.add(store(outcome));
            }
            return ResultRows.of(finished, engine, executorId, store, embedImages);
        }

        private Finished store(Outcome outcome) {
            if (outcome.image == null) {
                return Finished.failed(outcome.task, outcome.status, outcome.message);
            }
            RenderedImage image = outcome.image;
            if (!image.finite()) {
                return Finished.failed(
                        outcome.task,
                        RenderStatus.NAN_OUTPUT,
                        "decoded image has NaN or infinite values, also in float32");
            }
            long start = System.nanoTime();
            byte[] png = image.toPng(
                    engine().samplerName(outcome.task.scheduler()), spec.model().shortHash());
            try {
                store.put(outcome.task.key(), png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot store image " + store.pathOf(outcome.task.key()), e);
            }
            counters.imagesRendered().add(1);
            hooks.afterImageStored(outcome.task.key(), ++stored, taskRows);
            return Finished.rendered(outcome.task, image, png, (System.nanoTime() - start) / 1_000_000);
        }

        /** Renders a batch; on failure splits it in halves down to single requests (out of memory, or to isolate a bad one). */
        private List<Outcome> renderWithBackoff(List<RenderTask> tasks) {
            if (tasks.isEmpty()) {
                return List.of();
            }
            try {
                counters.renderCalls().add(1);
                List<RenderRequest> requests = new ArrayList<>();
                tasks.forEach(t -> requests.add(t.request()));
                List<RenderedImage> images = engine().render(requests);
                List<Outcome> outcomes = new ArrayList<>();
                for (int i = 0; i < tasks.size(); i++) {
                    outcomes.add(new Outcome(tasks.get(i), images.get(i), null, null));
                }
                return outcomes;
            } catch (RuntimeException | OutOfMemoryError e) {
                boolean oom = isOutOfMemory(e);
                if (tasks.size() == 1) {
                    LOG.warn("render of {} failed: {}", tasks.get(0).key(), e.toString());
                    return List.of(
                            new Outcome(tasks.get(0), null, oom ? RenderStatus.OOM : RenderStatus.FAILED, describe(e)));
                }
                if (oom) {
                    counters.oomRetries().add(1);
                }
                LOG.warn("batch of {} failed ({}); retrying in halves", tasks.size(), e.toString());
                int half = tasks.size() / 2;
                List<Outcome> outcomes = new ArrayList<>(renderWithBackoff(tasks.subList(0, half)));
                outcomes.addAll(renderWithBackoff(tasks.subList(half, tasks.size())));
                return outcomes;
            }
        }
    }

    private record Outcome(RenderTask task, RenderedImage image, RenderStatus status, String message) {}

    static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
            String message = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (message.contains("out of memory")
                    || message.contains("can't allocate memory")
                    || message.contains("cannot allocate memory")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() > 500 ? message.substring(0, 500) + "..." : message;
    }
}
