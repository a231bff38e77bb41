package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Frees a block's temporaries as soon as the block returns. Arrays created inside {@link #run} are
 * closed on exit except the result, which moves to the enclosing scope (if any). Without this, every
 * intermediate of a 20-step denoising loop would live until its batch's manager closes.
 */
public final class Scope {

    private Scope() {}

    public static NDArray run(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /**
     * Frees {@code previous} now that {@code next} has been computed from it, unless it is {@code input}
     * (the caller's array): chains of blocks then hold one intermediate at a time instead of all of
     * them until the enclosing scope ends (at 512x512 the VAE's are 134-268 MB each).
     */
    public static NDArray advance(NDArray previous, NDArray next, NDArray input) {
        if (previous != input && previous != next) {
            previous.close();
        }
        return next;
    }

    /** Whether no gradient is being recorded, so that ops may write into their own temporaries. */
    public static boolean inference() {
        return !JniUtils.isGradMode();
    }

    public static NDList runList(Supplier<NDList> body) {
        NDList result;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            result = body.get();
            NDScope.unregister(result);
        }
        result.forEach(NDScope::register);
        return result;
    }
}
