package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.StorageType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a stage needs to continue after an interruption: the parameters, Adam's moments, the
 * exponential moving average of the parameters (when kept) and the number of steps done. Saved as one
 * safetensors file, tensors under {@code param/}, {@code adam_m/}, {@code adam_v/}, {@code ema/}, the
 * step and the plan it belongs to in the header's metadata.
 */
final class TrainingState {

    static final String PARAM = "param/";
    private static final String FIRST_MOMENT = "adam_m/";
    private static final String SECOND_MOMENT = "adam_v/";
    private static final String EMA = "ema/";

    private final Map<String, NDArray> parameters;
    private final Adam adam = new Adam();
    private final Map<String, NDArray> ema = new LinkedHashMap<>();
    private final boolean keepsEma;
    private int step;

    /** Takes the built model's parameters and makes them trainable. */
    TrainingState(Map<String, NDArray> parameters, boolean keepsEma) {
        this.parameters = parameters;
        this.keepsEma = keepsEma;
        parameters.values().forEach(p -> p.setRequiresGradient(true));
        if (keepsEma) {
            parameters.forEach((name, p) -> ema.put(name, p.duplicate()));
        }
    }

    /** Restores moments, average and step from {@code checkpoint} (parameters come from the model's init). */
    void restore(SafeTensorsFile checkpoint, NDManager manager) {
        Map<String, NDArray> first = new LinkedHashMap<>();
        Map<String, NDArray> second = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            first.put(name, copy(checkpoint, FIRST_MOMENT + name, manager));
            second.put(name, copy(checkpoint, SECOND_MOMENT + name, manager));
            if (keepsEma) {
                ema.put(name, copy(checkpoint, EMA + name, manager)).close();
            }
        }
        adam.restore(first, second);
        step = Integer.parseInt(checkpoint.metadata().get("step"));
    }

    private static NDArray copy(SafeTensorsFile file, String name, NDManager manager) {
        try (NDArray mapped = file.load(name, manager, ai.djl.ndarray.types.DataType.FLOAT32)) {
            return mapped.duplicate();
        }
    }

    void save(Path file, Map<String, String> metadata) {
        SafeTensorsWriter writer = new SafeTensorsWriter();
        parameters.forEach((name, p) -> writer.add(PARAM + name, p, StorageType.F32));
        adam.firstMoments().forEach((name, m) -> writer.add(FIRST_MOMENT + name, m, StorageType.F32));
        adam.secondMoments().forEach((name, v) -> writer.add(SECOND_MOMENT + name, v, StorageType.F32));
        ema.forEach((name, e) -> writer.add(EMA + name, e, StorageType.F32));
        metadata.forEach(writer::metadata);
        writer.metadata("step", Integer.toString(step));
        writer.write(file);
    }

    /** {@code sqrt(sum of squared gradients)} over all parameters; NaN or infinite when any gradient is. */
    double gradientNorm() {
        NDList squares = new NDList();
        try {
            for (NDArray p : parameters.values()) {
                try (NDArray g = p.getGradient()) {
                    squares.add(Scope.run(() -> g.square().sum()));
                }
            }
            try (NDArray total = NDArrays.stack(squares).sum()) {
                return Math.sqrt(total.getFloat());
            }
        } finally {
            squares.close();
        }
    }

    /** Drops the gradients (after a step whose gradients were not finite). */
    void zeroGradients() {
        for (NDArray p : parameters.values()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    /** One Adam update; then the average moves {@code 1 - emaDecay} of the way to the parameters. */
    void update(float learningRate, float gradientScale, float emaDecay) {
        adam.update(parameters, step, learningRate, gradientScale);
        if (keepsEma) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                try (NDArray share = e.getValue().mul(1 - emaDecay)) {
                    ema.get(e.getKey()).muli(emaDecay).addi(share);
                }
            }
        }
        step++;
    }

    int step() {
        return step;
    }

    Map<String, NDArray> parameters() {
        return parameters;
    }

    /** The averaged parameters when kept, else the parameters themselves: what a stage ships. */
    Map<String, NDArray> shipped() {
        return keepsEma ? ema : parameters;
    }
}
