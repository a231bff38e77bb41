package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.vae.AutoencoderKL;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A non-finite image from a reduced-precision VAE is decoded once more in float32, once, then reported. */
class ImageDecoderRedecodeTest {

    @Test
    void aNonFiniteRowIsReDecodedInFloat32OnceAndStillReportedWhenItStaysNonFinite() {
        try (NDManager manager = NDManager.newBaseManager()) {
            AutoencoderKL reduced = AutoencoderKL.load(Fixtures.tinySdA().resolve("vae"), manager, DataType.FLOAT16);
            AutoencoderKL full = AutoencoderKL.load(Fixtures.tinySdA().resolve("vae"), manager, DataType.FLOAT32);
            AtomicInteger redecodes = new AtomicInteger();
            ImageDecoder decoder = new ImageDecoder(reduced, () -> {
                redecodes.incrementAndGet();
                return full;
            });
            manager.getEngine().setRandomSeed(7);
            NDArray latents = manager.randomNormal(new Shape(2, 4, 8, 8));

            ImageDecoder.Decoded finite = decoder.decode(latents);
            assertThat(finite.finite()).containsExactly(true, true);
            assertThat(redecodes).hasValue(0);

            NDArray poisoned = latents.duplicate();
            poisoned.set(new NDIndex("1, 0, 0, 0"), Float.NaN);
            ImageDecoder.Decoded decoded = decoder.decode(poisoned);
            assertThat(decoded.finite()).containsExactly(true, false);
            assertThat(redecodes).as("one float32 re-decode for the batch").hasValue(1);
            System.out.println(
                    "re-decodes: " + redecodes.get() + ", finite rows: " + java.util.Arrays.toString(decoded.finite()));
        }
    }
}
