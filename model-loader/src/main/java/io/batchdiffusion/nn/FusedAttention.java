package io.batchdiffusion.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's own attention operator, {@code torch.nn.functional.scaled_dot_product_attention}, which DJL 0.36
 * does not expose. On CPU it is a flash-attention kernel: it walks the keys in blocks per query block and
 * never holds a score matrix. Against the chunked products of {@link ScaledDotProductAttention} it is 14-18%
 * faster at 1024 and 4096 tokens ({@code submit/bench --sections attention}), and it leaves no 64 MB score
 * chunks for glibc's heap to fragment on: half the heap at 512x512 (docs/performance.md, change 10).
 *
 * <p>It is reached through TorchScript: {@link #archive()} writes, in memory, the archive of a module whose one
 * method calls the operator (its source, a pickled empty module and the format version), and the engine's
 * TorchScript loader compiles it once per process. The method runs with DJL's "training" flag, which only
 * means "not in inference mode": results made in inference mode refuse later in-place updates, and the
 * blocks update their arrays in place. Gradients stay off because callers use it only when the thread
 * records none.
 */
final class FusedAttention {

    private static final Logger LOG = LoggerFactory.getLogger(FusedAttention.class);

    static final String MODULE_SOURCE = """
            class FusedAttention(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.FusedAttention,
                query: Tensor,
                key: Tensor,
                value: Tensor,
                scale: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(query, key, value, None, 0., False, scale=float(scale))
            """;

    /** Off with {@code -Dbatchdiffusion.attention.fused=false}: every attention then takes the chunked products. */
    static final boolean ENABLED = !"false".equals(System.getProperty("batchdiffusion.attention.fused"));

    private static Optional<FusedAttention> instance;

    private final PtSymbolBlock module;
    /** Holds the module and the per-call scale scalars, which stay on the CPU whatever the inputs' device. */
    private final NDManager cpu;

    private FusedAttention(PtSymbolBlock module, NDManager cpu) {
        this.module = module;
        this.cpu = cpu;
    }

    /** The process's instance, compiled on first use; empty when disabled or when the engine refuses it. */
    static synchronized Optional<FusedAttention> get() {
        if (instance == null) {
            instance = ENABLED ? load() : Optional.empty();
        }
        return instance;
    }

    /** After a failed call: every later attention in this process takes the chunked products. */
    static synchronized void disable(RuntimeException cause) {
        if (instance != null && instance.isPresent()) {
            LOG.warn("PyTorch's fused attention failed, using chunked attention from now on: {}", cause.toString());
        }
        instance = Optional.empty();
    }

    private static Optional<FusedAttention> load() {
        NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            PtSymbolBlock module =
                    JniUtils.loadModule((PtNDManager) cpu, new ByteArrayInputStream(archive()), false, false);
            return Optional.of(new FusedAttention(module, cpu));
        } catch (IOException | RuntimeException e) {
            // Another PyTorch build may lack the operator or read archives differently: stay correct, just slower.
            LOG.warn("PyTorch's fused attention is unavailable, using chunked attention: {}", e.toString());
            cpu.close();
            return Optional.empty();
        }
    }

    /**
     * {@code softmax(q k^T * scale) v} over [batch, heads, tokens, headDim] arrays, in the inputs' manager. No
     * mask, no dropout.
     */
    NDArray apply(NDArray q, NDArray k, NDArray v, double scale) {
        try (NDArray scaleValue = cpu.create(scale)) {
            return IValueUtils.forward(module, new NDList(q, k, v, scaleValue), true)
                    .singletonOrThrow();
        }
    }

    /** The TorchScript archive: a zip of one folder, as {@code torch.jit.save} writes it. */
    static byte[] archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            entry(zip, "version", ascii("3\n")); // the oldest format PyTorch 2.x still writes
            entry(zip, "data.pkl", emptyModulePickle());
            entry(zip, "constants.pkl", new byte[] {(byte) 0x80, 2, ')', 'q', 0, '.'}); // an empty tuple
            entry(zip, "code/__torch__.py", MODULE_SOURCE.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Pickle protocol 2: {@code __torch__.FusedAttention()} with state {@code {"training": False}}. */
    private static byte[] emptyModulePickle() {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
        pickle.writeBytes(ascii("c__torch__\nFusedAttention\n")); // GLOBAL
        pickle.writeBytes(new byte[] {'q', 0, ')', (byte) 0x81, 'q', 1}); // BINPUT, EMPTY_TUPLE, NEWOBJ, BINPUT
        pickle.writeBytes(new byte[] {'}', 'q', 2, 'X', 8, 0, 0, 0}); // EMPTY_DICT, BINPUT, BINUNICODE of 8 bytes
        pickle.writeBytes(ascii("training"));
        pickle.writeBytes(new byte[] {'q', 3, (byte) 0x89, 's', 'b', '.'}); // BINPUT, NEWFALSE, SETITEM, BUILD, STOP
        return pickle.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry("fused_attention/" + name));
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
