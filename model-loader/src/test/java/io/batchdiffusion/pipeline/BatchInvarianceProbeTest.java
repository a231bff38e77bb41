package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class BatchInvarianceProbeTest {
    static float diffFirst(NDArray full, NDArray one) {
        return one.sub(full.get(new NDIndex("0:{}", one.getShape().get(0))))
                .abs()
                .max()
                .getFloat();
    }

    @Test
    void probe() {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(1);
            int[][] lins = {{320, 1280}, {1280, 1280}, {32, 128}, {1280, 320}};
            for (int[] l : lins) {
                NDArray x = m.randomNormal(new Shape(4096, l[0]));
                NDArray w = m.randomNormal(new Shape(l[1], l[0])).div(30);
                NDArray full = x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
                StringBuilder sb = new StringBuilder("linear " + l[0] + "->" + l[1] + ":");
                for (int n : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 33, 100, 1000}) {
                    NDArray p = x.get(new NDIndex("0:{}", n));
                    float d = diffFirst(
                            full, p.getNDArrayInternal().linear(p, w, null).singletonOrThrow());
                    sb.append(" M").append(n).append(d == 0 ? "=0" : "=X");
                }
                System.out.println(sb);
            }
            int[][] convs = {{128, 64}, {256, 32}, {512, 16}, {320, 64}, {4, 64}, {512, 64}, {3, 64}, {64, 32}};
            for (int[] c : convs) {
                int cout = c[0] == 3 ? 128 : c[0];
                NDArray x = m.randomNormal(new Shape(6, c[0], c[1], c[1]));
                NDArray w = m.randomNormal(new Shape(cout, c[0], 3, 3)).div(30);
                NDArray b = m.zeros(new Shape(cout));
                NDArray full = conv(x, w, b);
                StringBuilder sb = new StringBuilder("conv C=" + c[0] + " HW=" + c[1] + ":");
                for (int n : new int[] {1, 2, 3, 4, 5}) {
                    float d = diffFirst(full, conv(x.get(new NDIndex("0:{}", n)), w, b));
                    sb.append(" N").append(n).append(d == 0 ? "=0" : "=X");
                }
                System.out.println(sb);
            }
        }
    }

    static NDArray conv(NDArray x, NDArray w, NDArray b) {
        return x.getNDArrayInternal()
                .convolution(x, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
                .singletonOrThrow();
    }
}
