package io.batchdiffusion.blocks;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Linear;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.function.UnaryOperator;

/**
 * diffusers' {@code FeedForward}: {@code net.0} (a projecting activation) and {@code net.2} (the output
 * linear); {@code net.1} is dropout.
 */
public final class FeedForward {

    private final UnaryOperator<NDArray> in;
    private final Linear out;

    /**
     * @param activationFn "geglu", "geglu-approximate", "gelu" or "gelu-approximate"
     * @param innerDim hidden width, or 0 for {@code 4 * dim}
     */
    public FeedForward(Weights w, long dim, long innerDim, String activationFn, boolean bias) {
        long inner = innerDim > 0 ? innerDim : 4 * dim;
        Weights net0 = w.pp("net").pp(0);
        this.in = switch (activationFn) {
            case "geglu" -> new GEGLU(net0, dim, inner, bias)::forward;
            case "geglu-approximate" -> new GELU(net0, dim, inner, bias, Activation.QUICK_GELU)::forward;
            case "gelu" -> new GELU(net0, dim, inner, bias, Activation.GELU)::forward;
            case "gelu-approximate" -> new GELU(net0, dim, inner, bias, Activation.GELU_TANH)::forward;
            default ->
                throw new IllegalArgumentException(
                        w.path("net") + ": unsupported activation_fn '" + activationFn + "'");
        };
        this.out = new Linear(w.pp("net").pp(2), inner, dim, bias);
    }

    public NDArray forward(NDArray x) {
        return Scope.run(() -> out.forward(in.apply(x)));
    }
}
