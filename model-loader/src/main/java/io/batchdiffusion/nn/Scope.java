package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
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
