package io.batchdiffusion.jobs;

import java.nio.file.Path;

/**
 * Builds an executor's {@link RenderEngine} from local model folders. The job uses {@link
 * PipelineEngineFactory}; {@code spark.batchdiffusion.engineFactory} names another implementation
 * (with a public no-argument constructor) to wrap or replace it, e.g. to inject faults in tests.
 */
public interface EngineFactory {

    /** @param scorerFolder the CLIP scorer, or {@code null} when the run does not score */
    RenderEngine create(Path modelFolder, Path scorerFolder, DeviceChoice device);
}
