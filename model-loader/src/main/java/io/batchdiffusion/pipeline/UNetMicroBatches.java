package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.unet.UNet2DConditionModel;

/**
 * Runs the UNet over a batch in slices of at most {@code maxLatentPixels} latent pixels (rows times
 * height times width). On a CPU a wide batch costs more per row once its activations outgrow the
 * caches: at 512x512 a forward of 8 rows took 16% longer per row than forwards of 2 (4 rows: 18%), while
 * at 256x256 8 rows were cheaper per row than 2 (docs/performance.md). The default of 8192 pixels keeps
 * 8 rows at 256x256 and 2 at 512x512. Every row's result is the same in any slice: the UNet treats the
 * rows of a batch independently.
 */
final class UNetMicroBatches {

    /** The CPU default, unless the system property {@code batchdiffusion.unet.max.latent.pixels} says otherwise. */
    static final long CPU_MAX_LATENT_PIXELS = Long.getLong("batchdiffusion.unet.max.latent.pixels", 8192);

    private final UNet2DConditionModel unet;
    private final long maxLatentPixels;

    UNetMicroBatches(UNet2DConditionModel unet, long maxLatentPixels) {
        this.unet = unet;
        this.maxLatentPixels = maxLatentPixels;
    }

    /** The noise prediction for {@code sample} [rows, channels, h, w], {@code t} [rows] and {@code context}. */
    NDArray forward(NDArray sample, NDArray t, NDArray context) {
        long rows = sample.getShape().get(0);
        long pixels = sample.getShape().get(2) * sample.getShape().get(3);
        long slice = Math.max(1, maxLatentPixels / pixels);
        if (slice >= rows) {
            return unet.forward(sample, t, context);
        }
        return Scope.run(() -> {
            NDList parts = new NDList();
            for (long start = 0; start < rows; start += slice) {
                NDIndex range = new NDIndex("{}:{}", start, Math.min(rows, start + slice));
                parts.add(unet.forward(sample.get(range), t.get(range), context.get(range)));
            }
            return NDArrays.concat(parts, 0);
        });
    }
}
