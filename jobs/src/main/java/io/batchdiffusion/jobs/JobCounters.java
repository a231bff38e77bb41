package io.batchdiffusion.jobs;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters tasks report to the driver (live, with executor heartbeats, for the progress line; final
 * values for the manifest and tests).
 */
public record JobCounters(
        LongAccumulator rendersFinished,
        LongAccumulator imagesRendered,
        LongAccumulator imagesReused,
        LongAccumulator renderCalls,
        LongAccumulator engineLoads,
        LongAccumulator oomRetries)
        implements Serializable {

    public static final String RENDERS_FINISHED = "batchdiffusion.rendersFinished";

    public static JobCounters register(SparkContext sc) {
        return new JobCounters(
                sc.longAccumulator(RENDERS_FINISHED),
                sc.longAccumulator("batchdiffusion.imagesRendered"),
                sc.longAccumulator("batchdiffusion.imagesReused"),
                sc.longAccumulator("batchdiffusion.renderCalls"),
                sc.longAccumulator("batchdiffusion.engineLoads"),
                sc.longAccumulator("batchdiffusion.oomRetries"));
    }
}
