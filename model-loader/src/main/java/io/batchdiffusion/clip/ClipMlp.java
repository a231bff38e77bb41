package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;

/** transformers' {@code CLIPMLP}: fc1, {@code hidden_act}, fc2. */
final class ClipMlp {

    private final Linear fc1;
    private final Linear fc2;
    private final Activation activation;

    ClipMlp(Weights w, int hiddenSize, int intermediateSize, Activation activation) {
        this.fc1 = new Linear(w.pp("fc1"), hiddenSize, intermediateSize);
        this.fc2 = new Linear(w.pp("fc2"), intermediateSize, hiddenSize);
        this.activation = activation;
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> fc2.forward(activation.apply(fc1.forward(x))));
    }
}
