package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba) with bias correction, one fused engine update per parameter, which also clears
 * the parameter's gradient. The moments live beside the parameters and are saved with checkpoints.
 */
final class Adam {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;

    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();

    /**
     * Applies one update to every parameter with a gradient.
     *
     * @param step the 0-based number of updates made before this one
     * @param gradientScale factor applied to every gradient first (global-norm clipping)
     */
    void update(Map<String, NDArray> parameters, int step, float learningRate, float gradientScale) {
        int t = step + 1;
        float corrected = (float) (learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray p = e.getValue();
            NDArray m = firstMoments.computeIfAbsent(e.getKey(), k -> p.zerosLike());
            NDArray v = secondMoments.computeIfAbsent(e.getKey(), k -> p.zerosLike());
            try (NDArray grad = p.getGradient()) {
                p.getNDArrayInternal()
                        .adamUpdate(
                                new NDList(p, grad, m, v),
                                new NDList(p),
                                learningRate,
                                corrected,
                                0f,
                                gradientScale,
                                Float.MAX_VALUE,
                                BETA1,
                                BETA2,
                                EPSILON,
                                true,
                                false);
            }
        }
    }

    /** Continues from saved moments (arrays are taken over, not copied). */
    void restore(Map<String, NDArray> first, Map<String, NDArray> second) {
        firstMoments.putAll(first);
        secondMoments.putAll(second);
    }

    Map<String, NDArray> firstMoments() {
        return firstMoments;
    }

    Map<String, NDArray> secondMoments() {
        return secondMoments;
    }
}
