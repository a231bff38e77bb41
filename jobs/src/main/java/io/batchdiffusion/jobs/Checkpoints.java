package io.batchdiffusion.jobs;

import org.apache.spark.sql.Dataset;
import org.apache.spark.storage.StorageLevel;

/**
 * Freezes the job's plans (the task list, the rows carried over by a resume) so that later stages never
 * recompute them: a resume overwrites the very table it read its rows from. Spark's local checkpoint
 * cuts the lineage, so a block lost with its executor cannot be recomputed; each block is therefore
 * kept on two executors, and the run survives the loss of one.
 */
final class Checkpoints {

    private Checkpoints() {}

    static <T> Dataset<T> local(Dataset<T> dataset) {
        return dataset.localCheckpoint(true, StorageLevel.MEMORY_AND_DISK_2());
    }
}
