package io.batchdiffusion.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Numeric comparison of arrays with a readable failure. */
public final class Tensors {

    private Tensors() {}

    public static double maxAbsDiff(NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).as("shape").isEqualTo(expected.getShape());
        try (NDArray a = actual.toType(DataType.FLOAT64, true);
                NDArray e = expected.toType(DataType.FLOAT64, true);
                NDArray diff = a.sub(e).abs()) {
            if (diff.isNaN().any().getBoolean()) {
                return Double.NaN;
            }
            return diff.max().getDouble();
        }
    }

    /** Asserts {@code max|actual - expected| <= tolerance}, printing the error for the record. */
    public static void assertClose(String what, NDArray actual, NDArray expected, double tolerance) {
        double err = maxAbsDiff(actual, expected);
        System.out.printf("%-60s max|err| %.3e (tolerance %.0e)%n", what, err, tolerance);
        assertThat(err).as("%s: max abs error", what).isLessThanOrEqualTo(tolerance);
    }
}
