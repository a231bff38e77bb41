package io.batchdiffusion.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.Weights;
import org.junit.jupiter.api.Test;

class Conv2dGradientTest {

    @Test
    void inputGradientsOfAFewChannelConvolutionMatchFloat64AndItsOutputIsUnchanged() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(24, 32, 8, 8));
            for (int out : new int[] {3, 4, 8}) {
                NDArray[] single = gradient(x, out, DataType.FLOAT32, m);
                NDArray[] reference = gradient(x, out, DataType.FLOAT64, m);
                Tensors.assertClose("conv 32->" + out + " input gradient vs float64", single[0], reference[0], 1e-4);
                Tensors.assertClose("conv 32->" + out + " weight gradient vs float64", single[1], reference[1], 1e-3);
                Conv2d conv = Conv2d.same(Weights.initialized(new RandomInit(9), m, DataType.FLOAT32), 32, out, 3);
                NDArray plain = conv.forward(x);
                NDArray padded;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    padded = conv.forward(x);
                }
                Tensors.assertClose("conv 32->" + out + " output while recording gradients", padded, plain, 1e-5);
            }
        }
    }

    /** Gradients of {@code sum(conv(x)^2)} with respect to x and the weight, in {@code type}. */
    private static NDArray[] gradient(NDArray x, int out, DataType type, NDManager m) {
        Weights w = Weights.initialized(new RandomInit(9), m, type);
        Conv2d conv = Conv2d.same(w, 32, out, 3);
        NDArray weight = w.taken().get("weight");
        weight.setRequiresGradient(true);
        NDArray input = x.toType(type, true).duplicate();
        input.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(conv.forward(input).square().sum());
        }
        return new NDArray[] {
            input.getGradient().toType(DataType.FLOAT64, true),
            weight.getGradient().toType(DataType.FLOAT64, true)
        };
    }
}
