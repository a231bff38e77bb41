package io.batchdiffusion.jobs;

import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/**
 * Everything an executor needs to build (or find) its engine: the model and scorer descriptors, how
 * their files arrive, where the host caches them, and the factory class.
 */
public record EngineSpec(
        ModelDescriptor model,
        ModelDescriptor scorer,
        Broadcast<ModelBytes> modelBytes,
        Broadcast<ModelBytes> scorerBytes,
        String cacheRoot,
        String factoryClass)
        implements Serializable {

    /** Identifies the engine in the JVM-wide cache. */
    String cacheKey(DeviceChoice device) {
        return model.fingerprint() + "/" + (scorer == null ? "-" : scorer.fingerprint()) + "/" + device + "/"
                + factoryClass;
    }
}
