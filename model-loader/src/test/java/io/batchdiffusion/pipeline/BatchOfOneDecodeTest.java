package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A single sample takes other CPU convolution kernels than several, and their rounding changed one 8-bit
 * value of this row (the job's sample catalogue, row 5, at 16x16 in 2 steps) when the VAE decoded it
 * alone, as a retry or an out-of-memory halving does, and in a batch. The decoder now decodes every
 * image on its own, so both paths take the same kernels.
 */
class BatchOfOneDecodeTest {

    @Test
    void aRequestRenderedAloneHasTheBytesItHasInABatch() {
        try (StableDiffusionPipeline pipeline =
                StableDiffusionPipeline.load(Fixtures.tinySdA(), PipelineOptions.cpu())) {
            RenderRequest partner =
                    new RenderRequest("a red circle on a blue background", "", 2015116329L, 7.5, 2, 16, 16, null, 0, 0);
            RenderRequest target = new RenderRequest(
                    "a large orange square in the centre", "", 532760269L, 7.5, 2, 16, 16, null, 0, 0);
            byte[] alone = pipeline.render(List.of(target)).get(0).rgb();
            byte[] inBatch = pipeline.render(List.of(partner, target)).get(1).rgb();
            int differing = 0;
            for (int i = 0; i < alone.length; i++) {
                differing += alone[i] == inBatch[i] ? 0 : 1;
            }
            System.out.println("bytes differing between alone and in a batch: " + differing + " of " + alone.length);
            assertThat(differing).isZero();
        }
    }
}
