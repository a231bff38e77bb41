package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.batchdiffusion.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeTuningTest {

    private static final long BLOCK_BYTES = 2560L << 20;

    /** What submit/lib.sh and conf/spark-defaults.conf give every JVM that renders. */
    private static final String LAUNCH_SCRIPT_TUNABLES =
            "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184";

    /**
     * An 8-row UNet forward at 512x512 peaks at a 6-7 GB heap. Kept, the next step reuses it; trimmed at
     * 2 GB (what {@code mallopt} with {@code Integer.MAX_VALUE} did, overriding the launch scripts' 16 GB),
     * every step faulted it in again.
     */
    @Test
    void freedNativeBlocksAboveTwoGigabytesStayWithTheProcess() throws Exception {
        assumeThat(System.getProperty("os.name")).isEqualTo("Linux");

        long keptMb = keptAfterFreeInChildJvm("true", LAUNCH_SCRIPT_TUNABLES);
        long releasedMb = keptAfterFreeInChildJvm("false", null);

        assertThat(keptMb).as("MB still resident after free, tuned").isGreaterThan(2000);
        assertThat(releasedMb)
                .as("MB still resident after free, glibc defaults")
                .isLessThan(500);
    }

    /**
     * Runs {@link FreeBigBlock} with the given {@code GLIBC_TUNABLES} (none when null). Without them the
     * JVM's threads own their own malloc arenas before {@code mallopt} runs, and glibc serves a big
     * block in such an arena with {@code mmap} whatever {@code M_MMAP_MAX} says.
     */
    private static long keptAfterFreeInChildJvm(String keep, String tunables) throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("GLIBC_TUNABLES", tunables);
        String line = ChildJvm.resultLine(
                FreeBigBlock.class, List.of("-Xmx256m", "-Dbatchdiffusion.malloc.keep=" + keep), environment, "kept ");
        return Long.parseLong(line.substring("kept ".length()).trim());
    }

    /** Child process: allocate, touch and free one 2.5 GB block; print how much of it stays resident. */
    static final class FreeBigBlock {

        public static void main(String[] args) throws Exception {
            NativeTuning.apply();
            NativeLibrary libc = NativeLibrary.getInstance("c");
            Function malloc = libc.getFunction("malloc");
            Function free = libc.getFunction("free");
            long before = anonymousResidentMb();
            Pointer block = (Pointer) malloc.invoke(Pointer.class, new Object[] {BLOCK_BYTES});
            if (block == null) {
                throw new IllegalStateException("malloc failed");
            }
            block.setMemory(0, BLOCK_BYTES, (byte) 1);
            free.invokeVoid(new Object[] {block});
            System.out.println("kept " + (anonymousResidentMb() - before));
        }

        private static long anonymousResidentMb() throws Exception {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                            .filter(line -> line.startsWith("RssAnon:"))
                            .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                            .findFirst()
                            .orElseThrow()
                    / 1024;
        }
    }
}
