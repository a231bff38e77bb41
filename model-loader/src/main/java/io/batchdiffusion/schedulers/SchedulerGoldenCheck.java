package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one recorded scheduler run of a goldens folder ({@code meta.json} "schedulers" section,
 * {@code scheduler_<run>.safetensors}, {@code scheduler_inputs.safetensors}) and measures the largest
 * absolute error of every recorded tensor. The procedure is the recorder's: x = initial_sample =
 * init_sample * init_noise_sigma; per step scaled = scale_model_input(x), out = step(model_outputs[i], x) with the
 * recorded noise injected in order, x = out.prev_sample.
 */
public final class SchedulerGoldenCheck {

    /** One compared tensor; infinite error when missing or of the wrong shape. */
    public record TensorError(String tensor, double maxAbsError) {}

    private static final JsonMapper META_JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private SchedulerGoldenCheck() {}

    /** The recorded runs: run name (e.g. "ddim") to its step counts. */
    public static Map<String, List<Integer>> runs(Path goldensDir) {
        Map<String, List<Integer>> runs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        schedulersSection(goldensDir).fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> run = it.next();
            List<Integer> steps = new ArrayList<>();
            run.getValue().fieldNames().forEachRemaining(key -> {
                if (key.matches("n\\d+")) {
                    steps.add(Integer.parseInt(key.substring(1)));
                }
            });
            runs.put(run.getKey(), steps);
        }
        return runs;
    }

    /** Runs {@code run} at {@code n} steps with its recorded effective config and compares. */
    public static List<TensorError> check(Path goldensDir, String run, int n, NDManager parent) {
        JsonNode entry = schedulersSection(goldensDir).path(run);
        if (!entry.has("effective_config")) {
            throw new IllegalArgumentException("meta.json has no scheduler run '" + run + "'");
        }
        Scheduler scheduler = Schedulers.fromConfig(
                        (ObjectNode) entry.get("effective_config"),
                        goldensDir.resolve("meta.json"),
                        entry.get("class").asText())
                .create(n);
        SafeTensorsFile golden = SafeTensorsFile.open(goldensDir.resolve("scheduler_" + run + ".safetensors"));
        SafeTensorsFile inputs = SafeTensorsFile.open(goldensDir.resolve("scheduler_inputs.safetensors"));
        String p = "n" + n + ".";
        try (NDManager m = parent.newSubManager()) {
            NDArray modelOutputs = inputs.load("model_outputs", m, DataType.FLOAT32);
            NDArray recordedNoise = golden.tensors().containsKey(p + "noise") ? load(golden, p + "noise", m) : null;
            long recordedDraws =
                    recordedNoise == null ? 0 : recordedNoise.getShape().get(0);
            int[] draws = {0};
            NoiseSource noise = (shape, type, manager) -> draws[0]++ < recordedDraws
                    ? recordedNoise.get(draws[0] - 1).toType(type, true)
                    : manager.zeros(shape, type); // an unrecorded draw: counted and reported below

            NDArray x = inputs.load("init_sample", m, DataType.FLOAT32).mul(scheduler.initNoiseSigma());
            TensorError initial = compare(golden, p + "initial_sample", x);
            NDList scaled = new NDList();
            NDList prev = new NDList();
            NDList pred = new NDList();
            NDList denoised = new NDList();
            for (int i = 0; i < scheduler.numSteps(); i++) {
                scaled.add(scheduler.scaleModelInput(x, i));
                StepOutput out = scheduler.step(modelOutputs.get(i), i, x, noise);
                prev.add(out.prevSample());
                if (out.predOriginalSample() != null) {
                    pred.add(out.predOriginalSample());
                }
                if (out.denoised() != null) {
                    denoised.add(out.denoised());
                }
                x = out.prevSample();
            }

            List<TensorError> errors = new ArrayList<>();
            errors.add(compare(golden, p + "timesteps", m.create(scheduler.timesteps())));
            if (golden.tensors().containsKey(p + "sigmas")) {
                errors.add(
                        scheduler instanceof HasSigmas s
                                ? compare(golden, p + "sigmas", m.create(s.sigmas()))
                                : new TensorError(p + "sigmas", Double.POSITIVE_INFINITY));
            }
            errors.add(compare(golden, p + "init_noise_sigma", m.create(new float[] {scheduler.initNoiseSigma()})));
            errors.add(initial);
            errors.add(compare(golden, p + "scaled_model_inputs", NDArrays.stack(scaled)));
            errors.add(compare(golden, p + "prev_samples", NDArrays.stack(prev)));
            compareIfRecorded(golden, p + "pred_original_samples", pred, errors);
            compareIfRecorded(golden, p + "denoised", denoised, errors);
            errors.add(new TensorError(p + "noise_draws", Math.abs(draws[0] - recordedDraws)));
            return errors;
        }
    }

    private static void compareIfRecorded(SafeTensorsFile golden, String name, NDList ours, List<TensorError> errors) {
        if (golden.tensors().containsKey(name)) {
            errors.add(
                    ours.isEmpty()
                            ? new TensorError(name, Double.POSITIVE_INFINITY)
                            : compare(golden, name, NDArrays.stack(ours)));
        }
    }

    private static TensorError compare(SafeTensorsFile golden, String name, NDArray actual) {
        NDManager m = actual.getManager();
        NDArray expected = golden.load(name, m, DataType.FLOAT64).toType(DataType.FLOAT64, false);
        NDArray ours = actual.toType(DataType.FLOAT64, false);
        if (!expected.getShape().equals(ours.getShape())) {
            return new TensorError(
                    name + " (shape " + ours.getShape() + " vs " + expected.getShape() + ")", Double.POSITIVE_INFINITY);
        }
        NDArray diff = ours.sub(expected).abs();
        double err = diff.isNaN().any().getBoolean() ? Double.NaN : diff.max().getDouble();
        return new TensorError(name, err);
    }

    private static NDArray load(SafeTensorsFile file, String name, NDManager m) {
        return file.load(name, m, DataType.FLOAT32);
    }

    private static JsonNode schedulersSection(Path goldensDir) {
        Path meta = goldensDir.resolve("meta.json");
        try {
            return META_JSON.readTree(meta.toFile()).path("schedulers");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta, e);
        }
    }
}
