package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/**
 * diffusers' {@code GELU} ({@code proj}, then exact or tanh-approximated gelu) and, with
 * {@link Activation#QUICK_GELU}, its {@code ApproximateGELU} ({@code x * sigmoid(1.702 x)}).
 */
final class GELU {

    private final Linear proj;
    private final Activation act;

    GELU(Weights w, long dimIn, long dimOut, boolean bias, Activation act) {
        this.proj = new Linear(w.pp("proj"), dimIn, dimOut, bias);
        this.act = act;
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> act.apply(proj.forward(x)));
    }
}
