package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/** Activation functions by the names diffusers and transformers configs use. */
public enum Activation {
    SILU,
    GELU,
    QUICK_GELU,
    GELU_TANH,
    RELU;

    /** Parses {@code act_fn} / {@code hidden_act} values ("silu", "swish", "gelu", "quick_gelu", ...). */
    public static Activation fromConfig(String name, String where) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "quick_gelu" -> QUICK_GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_tanh" -> GELU_TANH;
            case "relu" -> RELU;
            default -> throw new IllegalArgumentException(where + ": unsupported activation '" + name + "'");
        };
    }

    /** {@code x * sigmoid(x)}; without autograd the product goes into sigmoid's buffer (one array less). */
    private static NDArray silu(NDArray x) {
        if (Scope.inference()) {
            return x.getNDArrayInternal().sigmoid().muli(x);
        }
        return Scope.run(() -> x.mul(x.getNDArrayInternal().sigmoid()));
    }

    public NDArray apply(NDArray x) {
        return switch (this) {
            case SILU -> silu(x);
            case GELU -> x.getNDArrayInternal().gelu();
            case QUICK_GELU ->
                Scope.run(() -> x.mul(Scalars.mul(x, 1.702).getNDArrayInternal().sigmoid()));
            case GELU_TANH ->
                Scope.run(() -> {
                    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                    NDArray inner = Scalars.muli(
                            Scalars.muli(Scalars.pow(x, 3), 0.044715f).addi(x), (float) Math.sqrt(2 / Math.PI));
                    return Scalars.muli(x.mul(inner.getNDArrayInternal().tanh().addi(1f)), 0.5f);
                });
            case RELU -> x.getNDArrayInternal().relu();
        };
    }
}
