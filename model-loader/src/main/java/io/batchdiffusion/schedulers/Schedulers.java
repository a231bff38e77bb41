package io.batchdiffusion.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Builds schedulers by name from a model's scheduler config, the way {@code XScheduler.from_config(
 * pipe.scheduler.config, **overrides)} does: the target class takes the keys it knows and its defaults
 * for the rest. Load once per model and {@link #create} a fresh scheduler per render batch:
 * {@code Schedulers.load(modelDir.resolve("scheduler"), "dpmpp_2m_karras").create(25)}.
 */
public final class Schedulers {

    static final String CONFIG_FILE = "scheduler_config.json";

    private final Kind kind;
    private final Object config;

    private Schedulers(Kind kind, Object config) {
        this.kind = kind;
        this.config = config;
    }

    /** The names {@link #load} accepts: user-facing names, then diffusers class names. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Kind k : Kind.values()) {
            names.add(k.shortName);
        }
        for (Kind k : Kind.values()) {
            if (!names.contains(k.className)) {
                names.add(k.className);
            }
        }
        return names;
    }

    /** Reads {@code schedulerDir/scheduler_config.json} for the scheduler called {@code name}. */
    public static Schedulers load(Path schedulerDir, String name) {
        Kind.byName(name); // an unknown name fails before any file access
        Path file = schedulerDir.resolve(CONFIG_FILE);
        JsonNode json;
        try {
            json = Files.isRegularFile(file) ? ConfigLoader.mapper().readTree(file.toFile()) : null;
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "config is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new InvalidModelFileException(file, "scheduler config is missing or not a JSON object");
        }
        return fromConfig((ObjectNode) json, file, name);
    }

    /** As {@link #load}, from an already-parsed config object; {@code source} names it in messages. */
    public static Schedulers fromConfig(ObjectNode json, Path source, String name) {
        Kind kind = Kind.byName(name);
        ObjectNode node = json.deepCopy();
        String declared = node.path("_class_name").asText("");
        Object defaults = kind.defaults;
        if (!declared.equals(kind.className)) {
            // another scheduler's config: keep only the keys this one knows, silently
            ObjectNode known = ConfigLoader.toJson(defaults, null);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                if (!known.has(it.next())) {
                    it.remove();
                }
            }
        }
        if (kind.shortName.equals(name)) {
            kind.overrides.forEach(
                    (key, value) -> node.set(key, ConfigLoader.mapper().valueToTree(value)));
        }
        Object config = ConfigLoader.fromJson(source, node, recordType(defaults), defaults);
        Schedulers factory = new Schedulers(kind, config);
        try {
            factory.create(1); // validates the config once, before any batch
        } catch (IllegalArgumentException e) {
            throw new InvalidModelFileException(source, e.getMessage(), e);
        }
        return factory;
    }

    @SuppressWarnings("unchecked")
    private static Class<Object> recordType(Object defaults) {
        return (Class<Object>) defaults.getClass();
    }

    /** A fresh scheduler with {@code numInferenceSteps} set. */
    public Scheduler create(int numInferenceSteps) {
        return kind.factory.apply(config, numInferenceSteps);
    }

    /** The effective config record (e.g. {@link DdimSchedulerConfig}). */
    public Object config() {
        return config;
    }

    /** The diffusers class name of what {@link #create} builds. */
    public String className() {
        return kind.className;
    }

    static void checkSteps(String scheduler, int numInferenceSteps, int numTrainTimesteps) {
        if (numInferenceSteps <= 0) {
            throw new IllegalArgumentException(
                    scheduler + ": number of inference steps must be positive, got " + numInferenceSteps);
        }
        if (numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException(scheduler + ": " + numInferenceSteps
                    + " inference steps exceed num_train_timesteps " + numTrainTimesteps);
        }
    }

    static void checkStepIndex(String scheduler, int stepIndex, int numSteps) {
        if (stepIndex < 0 || stepIndex >= numSteps) {
            throw new IllegalArgumentException(
                    scheduler + ": step index " + stepIndex + " is outside 0.." + (numSteps - 1));
        }
    }

    /** Multistep schedulers keep history: their steps must come in order, each once. */
    static void checkInOrder(String scheduler, int stepIndex, int expected, int numSteps) {
        checkStepIndex(scheduler, stepIndex, numSteps);
        if (stepIndex != expected) {
            throw new IllegalStateException(scheduler + " keeps history across steps: expected step " + expected
                    + ", got " + stepIndex + " (create a new scheduler per batch)");
        }
    }

    static void checkNoise(String scheduler, NoiseSource noise) {
        if (noise == null) {
            throw new IllegalArgumentException(scheduler + " draws noise in step(): pass a NoiseSource");
        }
    }

    private enum Kind {
        DDIM(
                "ddim",
                DdimScheduler.NAME,
                DdimSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new DdimScheduler((DdimSchedulerConfig) c, n)),
        PNDM(
                "pndm",
                PndmScheduler.NAME,
                PndmSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new PndmScheduler((PndmSchedulerConfig) c, n)),
        EULER(
                "euler",
                EulerDiscreteScheduler.NAME,
                EulerDiscreteSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new EulerDiscreteScheduler((EulerDiscreteSchedulerConfig) c, n)),
        EULER_A(
                "euler_a",
                EulerAncestralDiscreteScheduler.NAME,
                EulerAncestralDiscreteSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new EulerAncestralDiscreteScheduler((EulerAncestralDiscreteSchedulerConfig) c, n)),
        DPMPP_2M(
                "dpmpp_2m",
                DpmSolverMultistepScheduler.NAME,
                DpmSolverMultistepSchedulerConfig.DEFAULTS,
                dpm(false),
                (c, n) -> new DpmSolverMultistepScheduler((DpmSolverMultistepSchedulerConfig) c, n)),
        DPMPP_2M_KARRAS(
                "dpmpp_2m_karras",
                DpmSolverMultistepScheduler.NAME,
                DpmSolverMultistepSchedulerConfig.DEFAULTS,
                dpm(true),
                (c, n) -> new DpmSolverMultistepScheduler((DpmSolverMultistepSchedulerConfig) c, n)),
        LMS(
                "lms",
                LmsDiscreteScheduler.NAME,
                LmsDiscreteSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new LmsDiscreteScheduler((LmsDiscreteSchedulerConfig) c, n)),
        LCM(
                "lcm",
                LcmScheduler.NAME,
                LcmSchedulerConfig.DEFAULTS,
                Map.of(),
                (c, n) -> new LcmScheduler((LcmSchedulerConfig) c, n));

        final String shortName;
        final String className;
        final Object defaults;
        final Map<String, Object> overrides;
        final BiFunction<Object, Integer, Scheduler> factory;

        Kind(
                String shortName,
                String className,
                Object defaults,
                Map<String, Object> overrides,
                BiFunction<Object, Integer, Scheduler> factory) {
            this.shortName = shortName;
            this.className = className;
            this.defaults = defaults;
            this.overrides = overrides;
            this.factory = factory;
        }

        private static Map<String, Object> dpm(boolean karras) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm_type", "dpmsolver++");
            m.put("solver_order", 2);
            m.put("use_karras_sigmas", karras);
            return m;
        }

        /** Short names first; a class name maps to its first kind (DPM-Solver without Karras). */
        static Kind byName(String name) {
            for (Kind k : values()) {
                if (k.shortName.equals(name)) {
                    return k;
                }
            }
            for (Kind k : values()) {
                if (k.className.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(
                    "unknown scheduler '" + name + "'; valid names: " + String.join(", ", names()));
        }
    }
}
