package io.batchdiffusion.nn;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide settings of the native runtime under PyTorch that decide how fast it runs here
 * (measurements in docs/performance.md). Call {@link #apply} before the PyTorch engine loads; the
 * pipeline and the CLIP loader call it.
 *
 * <ul>
 *   <li>glibc keeps freed memory for reuse. By default it serves blocks over 32 MB with fresh {@code
 *       mmap}s and unmaps them on free, and PyTorch's CPU allocator has no cache of its own: the 59 MB
 *       blocked copy of a 1280-channel convolution's weights that oneDNN makes on every call then
 *       page-faults and zero-fills every time (230 ms for a convolution whose arithmetic takes 10 ms).
 *       {@code mallopt} here gets most of it back; {@code GLIBC_TUNABLES} set before the JVM starts
 *       gets all of it (the JVM's threads already own malloc arenas by the time this runs).
 *   <li>OpenMP threads sleep instead of spinning when they wait ({@code OMP_WAIT_POLICY=PASSIVE},
 *       unless the environment sets it): a forward has a thousand parallel regions, and on a busy
 *       machine a spinning thread waits for a descheduled sibling at every one (5x slower attention).
 *   <li>On AMD CPUs, MKL's matrix products choose their kernels by the CPU's features rather than its
 *       vendor ({@link MklDispatch}): AVX-512 where the CPU has it, 2.3x the AVX2 rate on Zen 5.
 * </ul>
 *
 * System properties {@code batchdiffusion.malloc.keep=false}, {@code batchdiffusion.omp.passive=false}
 * and {@code batchdiffusion.mkl.dispatch=false} turn each off.
 */
public final class NativeTuning {

    private static final Logger LOG = LoggerFactory.getLogger(NativeTuning.class);

    // mallopt parameters, from glibc's malloc.h
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;
    private static final int M_ARENA_MAX = -8;
    private static final int NEVER = -1;

    private static boolean done;
    private static boolean mklDispatchInstalled;

    private NativeTuning() {}

    /** Applies the settings once per process; a no-op off Linux or without glibc. */
    public static synchronized void apply() {
        if (done) {
            return;
        }
        done = true;
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return;
        }
        try {
            NativeLibrary libc = NativeLibrary.getInstance("c");
            if (!"false".equals(System.getProperty("batchdiffusion.malloc.keep"))) {
                Function mallopt = libc.getFunction("mallopt");
                // One arena: blocks freed by one thread serve the next step's allocations on any thread.
                boolean ok = mallopt.invokeInt(new Object[] {M_ARENA_MAX, 1}) == 1;
                ok &= mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1;
                // -1 is SIZE_MAX to glibc: never trim. Integer.MAX_VALUE (2 GB) would override the 16 GB of
                // GLIBC_TUNABLES, and an 8-row forward at 512x512 (a 7 GB heap) would then give its top
                // back and fault it in again every step: 10-17 s of kernel time per 30 s step.
                ok &= mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, NEVER}) == 1;
                LOG.debug("glibc mallopt (one arena, no mmap, no trim): {}", ok ? "set" : "partly refused");
            }
            if (!"false".equals(System.getProperty("batchdiffusion.omp.passive"))) {
                // overwrite = 0: an OMP_WAIT_POLICY in the environment wins
                libc.getFunction("setenv").invokeInt(new Object[] {"OMP_WAIT_POLICY", "PASSIVE", 0});
            }
            if (!"false".equals(System.getProperty("batchdiffusion.mkl.dispatch")) && amdX86()) {
                mklDispatchInstalled = MklDispatch.firstInGlobalScope(MklDispatch.install());
                LOG.debug("MKL dispatch by CPU features: {}", mklDispatchInstalled ? "installed" : "shadowed");
            }
        } catch (UnsatisfiedLinkError | RuntimeException | IOException e) {
            LOG.debug("native tuning unavailable: {}", e.toString());
        }
    }

    /**
     * True when this process installed {@link MklDispatch} ahead of libtorch's own definition. It takes
     * effect only if no matrix product ran before {@link #apply}.
     */
    public static synchronized boolean mklDispatchInstalled() {
        return mklDispatchInstalled;
    }

    private static boolean amdX86() {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.anyMatch(line -> line.startsWith("vendor_id") && line.contains("AuthenticAMD"));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** The effective OpenMP wait policy as the native environment holds it ("" when unset). */
    public static String ompWaitPolicy() {
        try {
            String value = (String) NativeLibrary.getInstance("c")
                    .getFunction("getenv")
                    .invoke(String.class, new Object[] {"OMP_WAIT_POLICY"});
            return value == null ? "" : value;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "";
        }
    }
}
