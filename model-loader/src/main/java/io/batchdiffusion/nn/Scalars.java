package io.batchdiffusion.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Arithmetic with a constant, the constant held in memory the engine owns.
 *
 * <p>DJL's {@code x.mul(2f)} makes the 2 from a Java buffer and closes it as soon as the product is made,
 * after which the garbage collector may free and reuse that buffer. Autograd saves the constant to
 * multiply the gradient by it in the backward pass, which then reads whatever the memory holds by then:
 * gradients of 3.4e38 or NaN now and then, and training runs of one seed that differ. Model and training
 * code therefore goes through these methods for {@code mul}, {@code div}, {@code pow}, {@code minimum} and
 * {@code maximum} by a number. ({@code add} and {@code sub} never read the constant again.) The constant is
 * float32, as DJL's is, so results are the same bits.
 */
public final class Scalars {

    private static final Shape SCALAR = new Shape();

    private Scalars() {}

    public static NDArray mul(NDArray x, double value) {
        return withConstant(x, value, NDArray::mul);
    }

    public static NDArray muli(NDArray x, double value) {
        return withConstant(x, value, NDArray::muli);
    }

    public static NDArray div(NDArray x, double value) {
        return withConstant(x, value, NDArray::div);
    }

    public static NDArray divi(NDArray x, double value) {
        return withConstant(x, value, NDArray::divi);
    }

    public static NDArray pow(NDArray x, double exponent) {
        return withConstant(x, exponent, NDArray::pow);
    }

    public static NDArray minimum(NDArray x, double value) {
        return withConstant(x, value, NDArray::minimum);
    }

    public static NDArray maximum(NDArray x, double value) {
        return withConstant(x, value, NDArray::maximum);
    }

    private static NDArray withConstant(NDArray x, double value, BinaryOperator<NDArray> op) {
        try (NDArray c = constant(x, value)) {
            return op.apply(x, c);
        }
    }

    /** A 0-d float32 array on {@code x}'s device, allocated by the engine. */
    private static NDArray constant(NDArray x, double value) {
        NDArray c = x.getManager().full(SCALAR, (float) value, DataType.FLOAT32);
        if (c.getDevice().equals(x.getDevice())) {
            return c;
        }
        try (c) {
            return c.toDevice(x.getDevice(), true);
        }
    }
}
