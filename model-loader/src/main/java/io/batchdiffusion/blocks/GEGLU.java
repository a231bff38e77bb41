package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** diffusers' {@code GEGLU}: {@code proj} to twice the width, then {@code a * gelu(gate)} of its halves. */
final class GEGLU {

    private final Linear proj;

    GEGLU(Weights w, long dimIn, long dimOut, boolean bias) {
        this.proj = new Linear(w.pp("proj"), dimIn, dimOut * 2, bias);
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> {
            NDArray projected = proj.forward(x);
            NDList halves = projected.split(2, projected.getShape().dimension() - 1);
            return halves.get(0).mul(halves.get(1).getNDArrayInternal().gelu());
        });
    }
}
