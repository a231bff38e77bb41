package io.batchdiffusion.jobs;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor JVM's engines: loaded once per (model, scorer, device) and reused by every task the JVM
 * runs, never per task or per closure. The first task to ask materialises the files (verifying every
 * checksum) and builds the engine; concurrent tasks wait for it.
 */
public final class ExecutorEngines {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);

    private static final Map<String, RenderEngine> ENGINES = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorEngines() {}

    /** The engine for {@code spec} on {@code device}, building it on first use; reports whether it was built now. */
    static synchronized Loaded get(EngineSpec spec, DeviceChoice device, Configuration conf) {
        String key = spec.cacheKey(device);
        RenderEngine engine = ENGINES.get(key);
        if (engine != null) {
            return new Loaded(engine, false);
        }
        long start = System.nanoTime();
        Path modelFolder = localFolder(
                spec.model(),
                spec.modelBytes() == null ? null : spec.modelBytes().value(),
                spec,
                conf);
        Path scorerFolder = spec.scorer() == null
                ? null
                : localFolder(
                        spec.scorer(),
                        spec.scorerBytes() == null ? null : spec.scorerBytes().value(),
                        spec,
                        conf);
        engine = factory(spec.factoryClass()).create(modelFolder, scorerFolder, device);
        ENGINES.put(key, engine);
        int loads = LOADS.incrementAndGet();
        LOG.info(
                "loaded model {} on {} in {} ms (load #{} in this JVM)",
                spec.model().shortHash(),
                device,
                (System.nanoTime() - start) / 1_000_000,
                loads);
        return new Loaded(engine, true);
    }

    /** How many engines this JVM has built. */
    public static int loads() {
        return LOADS.get();
    }

    record Loaded(RenderEngine engine, boolean loadedNow) {}

    private static Path localFolder(ModelDescriptor model, ModelBytes bytes, EngineSpec spec, Configuration conf) {
        Path cacheRoot = Path.of(spec.cacheRoot());
        if (bytes != null) {
            return ModelFiles.materialize(model, cacheRoot, bytes.source());
        }
        URI uri = URI.create(model.uri().replace(" ", "%20"));
        if (uri.getScheme() == null || uri.getScheme().equals("file")) {
            Path local = uri.getScheme() == null ? Path.of(model.uri()) : Path.of(uri);
            ModelFiles.verifyLocal(model, local);
            return local;
        }
        return ModelFiles.materialize(model, conf, cacheRoot);
    }

    private static EngineFactory factory(String className) {
        try {
            return (EngineFactory)
                    Class.forName(className, true, Thread.currentThread().getContextClassLoader())
                            .getDeclaredConstructor()
                            .newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("cannot create engine factory " + className, e);
        }
    }
}
