package io.batchdiffusion.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.testing.NativeMemoryChurn;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ScalarsTest {

    @Test
    void givesTheSameBitsAsDjlsNumberOverloads() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64, DataType.FLOAT16}) {
                NDArray x = m.randomUniform(0.1f, 2f, new Shape(5, 7)).toType(type, false);
                assertSame(x.mul(0.044715f), Scalars.mul(x, 0.044715f));
                assertSame(x.duplicate().muli(1.702f), Scalars.muli(x.duplicate(), 1.702f));
                assertSame(x.div(3f), Scalars.div(x, 3f));
                assertSame(x.duplicate().divi(0.7f), Scalars.divi(x.duplicate(), 0.7f));
                assertSame(x.pow(3), Scalars.pow(x, 3));
                assertSame(x.minimum(1f), Scalars.minimum(x, 1f));
                assertSame(x.maximum(1f), Scalars.maximum(x, 1f));
            }
        }
    }

    @Test
    void theBackwardPassStillReadsTheConstantAfterItsMemoryWasFreedAndReused() {
        assertGradient(x -> Scalars.mul(x, 3f).sum(), 3f);
        assertGradient(x -> Scalars.div(x, 4f).sum(), 0.25f);
        assertGradient(x -> Scalars.pow(x, 2f).sum(), 2f); // at x = 1
        assertGradient(x -> Scalars.minimum(x, 5f).sum(), 1f);
        assertGradient(x -> Scalars.maximum(x, -5f).sum(), 1f);
    }

    private static void assertGradient(Function<NDArray, NDArray> loss, float expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = Scope.run(() -> loss.apply(x)); // the scope closes the constant
                NativeMemoryChurn.freeAndReuse();
                collector.backward(value);
            }
            assertThat(x.getGradient().toFloatArray()).containsOnly(expected);
        }
    }

    private static void assertSame(NDArray expected, NDArray actual) {
        assertThat(actual.getDataType()).isEqualTo(expected.getDataType());
        assertThat(actual.toType(DataType.FLOAT64, false).toDoubleArray())
                .containsExactly(expected.toType(DataType.FLOAT64, false).toDoubleArray());
    }
}
