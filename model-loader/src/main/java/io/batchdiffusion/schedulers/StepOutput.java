package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Result of {@link Scheduler#step}.
 *
 * @param prevSample the sample at the next (less noisy) step
 * @param predOriginalSample the predicted x_0, where upstream returns it; otherwise null
 * @param denoised LCM's boundary-condition-scaled prediction, where upstream returns it; otherwise null
 */
public record StepOutput(NDArray prevSample, NDArray predOriginalSample, NDArray denoised) {

    static StepOutput of(NDArray prevSample) {
        return new StepOutput(prevSample, null, null);
    }

    static StepOutput withPrediction(NDArray prevSample, NDArray predOriginalSample) {
        return new StepOutput(prevSample, predOriginalSample, null);
    }

    /**
     * Runs a step body in its own {@link NDScope}: temporaries are freed on return, the outputs move to
     * the caller's scope. Arrays the scheduler keeps across steps must be unregistered inside the body.
     */
    static StepOutput inScope(Supplier<StepOutput> body) {
        StepOutput out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = body.get();
            out.arrays().forEach(NDScope::unregister);
        }
        out.arrays().forEach(NDScope::register);
        return out;
    }

    /** The non-null outputs, each once (by identity: NDArray.equals compares contents). */
    private List<NDArray> arrays() {
        List<NDArray> out = new ArrayList<>(3);
        for (NDArray a : new NDArray[] {prevSample, predOriginalSample, denoised}) {
            if (a != null && out.stream().noneMatch(b -> b == a)) {
                out.add(a);
            }
        }
        return out;
    }
}
