package io.batchdiffusion.nn;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes glibc keep freed memory for reuse instead of handing it back to the kernel.
 *
 * <p>By default glibc serves blocks over 32 MB with fresh {@code mmap}s and unmaps them on free, and
 * trims its heaps; PyTorch's CPU allocator has no cache of its own. A 512x512 forward frees and
 * re-allocates such blocks hundreds of times (the blocked copy of a 1280-channel convolution's weights
 * that oneDNN makes on every call is 59 MB), and every re-allocation page-faults and zero-fills the
 * whole block again: measured at 230 ms for a convolution whose arithmetic takes 10 ms, and 3.3x on a
 * whole SD 1.5 UNet step. After {@link #keepFreedMemory} the process's footprint stays at its peak
 * instead (which the step's scoped temporaries bound). Setting {@code GLIBC_TUNABLES} before the JVM
 * starts does the same and can add {@code glibc.malloc.hugetlb=1} (see docs/performance.md); system
 * property {@code batchdiffusion.malloc.keep=false} turns this off.
 */
public final class NativeMemory {

    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);

    // mallopt parameters, from glibc's malloc.h
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;
    private static final int M_ARENA_MAX = -8;

    private static boolean done;

    private NativeMemory() {}

    /** Tunes glibc's allocator once per process; a no-op off Linux or where glibc is absent. */
    public static synchronized void keepFreedMemory() {
        if (done) {
            return;
        }
        done = true;
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                || "false".equals(System.getProperty("batchdiffusion.malloc.keep"))) {
            return;
        }
        try {
            Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
            // One arena: blocks freed by one thread serve the next step's allocations on any thread.
            boolean ok = mallopt.invokeInt(new Object[] {M_ARENA_MAX, 1}) == 1;
            ok &= mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1;
            ok &= mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1;
            LOG.debug("glibc mallopt (one arena, no mmap, no trim): {}", ok ? "set" : "partly refused");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("glibc mallopt unavailable: {}", e.toString());
        }
    }
}
