package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.sun.jna.NativeLibrary;
import io.batchdiffusion.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MklDispatchTest {

    @Test
    void theGeneratedLibraryLoadsAndItsFunctionReturnsOne() throws IOException {
        assumeThat(System.getProperty("os.name")).isEqualTo("Linux");
        assumeThat(System.getProperty("os.arch")).isIn("amd64", "x86_64");

        NativeLibrary library = MklDispatch.install();

        assertThat(library.getFunction(MklDispatch.SYMBOL).invokeInt(new Object[0]))
                .isEqualTo(1);
    }

    @Test
    void theLibraryIsAFixedSmallElfObject() {
        byte[] elf = MklDispatch.sharedLibrary();

        assertThat(Arrays.copyOf(elf, 4)).containsExactly(0x7f, 'E', 'L', 'F');
        assertThat(elf).hasSize(0x1000 + 7 * 16).isEqualTo(MklDispatch.sharedLibrary());
    }

    /**
     * MKL's AVX-512 and AVX2 kernels sum in different orders, so the same product differs in its last
     * bits: different bits in a process that installed the shim show it reached MKL.
     */
    @Test
    void onAnAmdCpuWithAvx512MatrixProductsRunOnOtherKernels() throws Exception {
        String cpuinfo = Files.exists(Path.of("/proc/cpuinfo")) ? Files.readString(Path.of("/proc/cpuinfo")) : "";
        assumeThat(cpuinfo).contains("AuthenticAMD").contains(" avx512f");

        String withShim = productInChildJvm("true");
        String withoutShim = productInChildJvm("false");

        assertThat(withShim).startsWith("installed true ");
        assertThat(withoutShim).startsWith("installed false ");
        assertThat(withShim.substring("installed true ".length()))
                .isNotEqualTo(withoutShim.substring("installed false ".length()));
    }

    private static String productInChildJvm(String dispatch) throws Exception {
        return ChildJvm.resultLine(
                Product.class, List.of("-Dbatchdiffusion.mkl.dispatch=" + dispatch), Map.of(), "installed ");
    }

    /** Prints whether the shim is installed and the bits of one matrix product. */
    static final class Product {
        public static void main(String[] args) {
            NativeTuning.apply();
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.arange(0f, 256f * 256f).reshape(256, 256).sin();
                float[] product = x.matMul(x.transpose().cos()).toFloatArray();
                System.out.println("installed " + NativeTuning.mklDispatchInstalled() + " " + Arrays.hashCode(product));
            }
        }
    }
}
