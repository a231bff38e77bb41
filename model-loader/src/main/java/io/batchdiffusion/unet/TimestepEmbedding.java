package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** diffusers' {@code TimestepEmbedding}: {@code linear_1}, activation, {@code linear_2}, optional post-activation. */
final class TimestepEmbedding {

    private final Linear linear1;
    private final Activation act;
    private final Linear linear2;
    private final Activation postAct;

    /** @param postAct activation after {@code linear_2} ({@code timestep_post_act}), or {@code null} */
    TimestepEmbedding(Weights w, long in, long timeEmbedDim, Activation act, Activation postAct) {
        this.linear1 = new Linear(w.pp("linear_1"), in, timeEmbedDim);
        this.act = act;
        this.linear2 = new Linear(w.pp("linear_2"), timeEmbedDim, timeEmbedDim);
        this.postAct = postAct;
    }

    NDArray forward(NDArray sample) {
        return Scope.run(() -> {
            NDArray emb = linear2.forward(act.apply(linear1.forward(sample)));
            return postAct == null ? emb : postAct.apply(emb);
        });
    }
}
