package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.testing.Tensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class FusedAttentionTest {

    @Test
    void theEngineCompilesTheGeneratedModule() {
        assertThat(FusedAttention.get()).isPresent();
    }

    @Test
    void theArchiveIsOneFolderWithTheModuleSourceAsTorchJitSaveLaysItOut() throws IOException {
        List<String> names = new ArrayList<>();
        String source = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(FusedAttention.archive()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(e.getName());
                byte[] data = zip.readAllBytes();
                if (e.getName().endsWith(".py")) {
                    source = new String(data, StandardCharsets.UTF_8);
                }
            }
        }

        assertThat(names)
                .containsExactly(
                        "fused_attention/version",
                        "fused_attention/data.pkl",
                        "fused_attention/constants.pkl",
                        "fused_attention/code/__torch__.py");
        assertThat(source).contains("torch.scaled_dot_product_attention(query, key, value, None, 0., False");
    }

    /** Self-attention and cross-attention shapes of the UNet, at head sizes 8 to 40. */
    @Test
    void matchesTheChunkedProducts() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (long[] shape : new long[][] {{2, 8, 300, 40, 300}, {2, 8, 300, 40, 77}, {3, 2, 64, 8, 64}}) {
                NDArray q = m.randomNormal(new Shape(shape[0], shape[1], shape[2], shape[3]));
                NDArray k = m.randomNormal(new Shape(shape[0], shape[1], shape[4], shape[3]));
                NDArray v = m.randomNormal(new Shape(shape[0], shape[1], shape[4], shape[3]));
                double scale = 1 / Math.sqrt(shape[3]);

                NDArray fused = FusedAttention.get().orElseThrow().apply(q, k, v, scale);
                NDArray products = ScaledDotProductAttention.apply(q, k, v, scale, null, false, 1 << 16);

                Tensors.assertClose("fused vs chunked attention " + new Shape(shape), fused, products, 1e-5);
            }
        }
    }

    @Test
    void anItemAttendsBitForBitTheSameAloneAndInsideABatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(4, 3, 200, 40));
            NDArray k = m.randomNormal(new Shape(4, 3, 200, 40));
            NDArray v = m.randomNormal(new Shape(4, 3, 200, 40));
            NDIndex third = new NDIndex("2:3");

            NDArray batch = ScaledDotProductAttention.apply(q, k, v, 0.3, null, false);
            NDArray alone = ScaledDotProductAttention.apply(q.get(third), k.get(third), v.get(third), 0.3, null, false);

            assertThat(alone.toFloatArray()).containsExactly(batch.get(third).toFloatArray());
        }
    }

    /** DJL runs TorchScript in inference mode unless told otherwise, and its results then refuse in-place ops. */
    @Test
    void itsResultsTakeInPlaceUpdates() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 16, 8));
            NDArray attended = FusedAttention.get().orElseThrow().apply(q, q, q, 0.5);
            float before = attended.getFloat(0, 0, 0, 0);

            attended.reshape(-1).addi(1f);

            assertThat(attended.getFloat(0, 0, 0, 0)).isEqualTo(before + 1f);
        }
    }

    /** Training needs gradients through the attention, which the fused module does not record. */
    @Test
    void whileGradientsAreRecordedTheChunkedProductsRun() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 16, 8));
            NDArray products = ScaledDotProductAttention.apply(
                    q, q, q, 0.5, null, false, ScaledDotProductAttention.CHUNK_SCORE_BYTES);
            q.setRequiresGradient(true);
            NDArray recorded;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                recorded = ScaledDotProductAttention.apply(q, q, q, 0.5, null, false);
                collector.backward(recorded.square().sum());
            }

            assertThat(recorded.toFloatArray()).containsExactly(products.toFloatArray());
            assertThat(q.getGradient().abs().sum().getFloat()).isPositive();
        }
    }
}
