package io.batchdiffusion.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties every scheduler must have, run over every scheduler and the config variants without goldens
 * (v_prediction, Karras sigmas, other spacings and beta schedules): diffusers' tests/schedulers idea.
 */
class SchedulerContractTest {

    private static final Shape SHAPE = new Shape(2, 4, 8, 8);

    record Variant(String name, Map<String, Object> overrides) {

        Schedulers factory() {
            Path file = Fixtures.tinySdA().resolve("scheduler").resolve(Schedulers.CONFIG_FILE);
            try {
                ObjectNode json = (ObjectNode) ConfigLoader.mapper().readTree(file.toFile());
                overrides.forEach((k, v) -> json.set(k, ConfigLoader.mapper().valueToTree(v)));
                return Schedulers.fromConfig(json, file, name);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        boolean keepsHistory(Scheduler s) {
            return s instanceof PndmScheduler
                    || s instanceof DpmSolverMultistepScheduler
                    || s instanceof LmsDiscreteScheduler;
        }

        @Override
        public String toString() {
            return overrides.isEmpty() ? name : name + " " + overrides;
        }
    }

    static Stream<Variant> variants() {
        Stream<Variant> plain = Schedulers.names().stream()
                .filter(n -> Character.isLowerCase(n.charAt(0)))
                .map(n -> new Variant(n, Map.of()));
        Stream<Variant> vPrediction = Stream.of(
                        "ddim", "pndm", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "lms", "lcm")
                .map(n -> new Variant(n, Map.of("prediction_type", "v_prediction")));
        Stream<Variant> others = Stream.of(
                new Variant(
                        "ddim",
                        Map.of(
                                "timestep_spacing",
                                "trailing",
                                "rescale_betas_zero_snr",
                                true,
                                "prediction_type",
                                "v_prediction")),
                new Variant(
                        "ddim", Map.of("timestep_spacing", "linspace", "beta_schedule", "linear", "clip_sample", true)),
                new Variant("ddim", Map.of("prediction_type", "sample", "beta_schedule", "squaredcos_cap_v2")),
                new Variant("pndm", Map.of("timestep_spacing", "linspace")),
                new Variant("pndm", Map.of("timestep_spacing", "trailing")),
                new Variant("euler", Map.of("timestep_spacing", "linspace")),
                new Variant("euler", Map.of("timestep_spacing", "trailing", "rescale_betas_zero_snr", true)),
                new Variant("euler", Map.of("use_karras_sigmas", true)),
                new Variant("euler_a", Map.of("timestep_spacing", "trailing")),
                new Variant("dpmpp_2m", Map.of("timestep_spacing", "linspace")),
                new Variant("dpmpp_2m", Map.of("timestep_spacing", "trailing", "solver_type", "heun")),
                new Variant("dpmpp_2m", Map.of("final_sigmas_type", "sigma_min", "lower_order_final", false)),
                new Variant("dpmpp_2m_karras", Map.of("timestep_spacing", "linspace")),
                new Variant("lms", Map.of("use_karras_sigmas", true)),
                new Variant("lms", Map.of("timestep_spacing", "linspace", "prediction_type", "sample")),
                new Variant("lcm", Map.of("original_inference_steps", 100, "clip_sample", true)));
        return Stream.of(plain, vPrediction, others).flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void timestepsDecreaseWithinTheTrainingRange(Variant variant) {
        for (int n : new int[] {1, 4, 20, 50}) {
            Scheduler s = variant.factory().create(n);
            double[] t = s.timesteps();
            boolean pndm = s instanceof PndmScheduler;
            assertThat(t).as("%s n=%d", variant, n).hasSize(s.numSteps());
            assertThat(s.numSteps()).as("%s n=%d steps", variant, n).isEqualTo(pndm && n > 1 ? n + 1 : n);
            int repeats = 0;
            for (int i = 0; i < t.length; i++) {
                assertThat(t[i]).as("%s n=%d t[%d]", variant, n, i).isBetween(0.0, 999.0);
                if (i > 0) {
                    assertThat(t[i]).as("%s n=%d t[%d]", variant, n, i).isLessThanOrEqualTo(t[i - 1]);
                    repeats += t[i] == t[i - 1] ? 1 : 0;
                }
            }
            // PLMS repeats its second timestep; Karras sigmas may round to one timestep twice, as upstream
            if (!Boolean.TRUE.equals(variant.overrides().get("use_karras_sigmas"))
                    && !variant.name().endsWith("karras")) {
                assertThat(repeats).as("%s n=%d repeated timesteps", variant, n).isEqualTo(pndm && n > 1 ? 1 : 0);
            }
            assertThat(s.initNoiseSigma())
                    .as("%s init_noise_sigma", variant)
                    .isPositive()
                    .isFinite();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aFullRunKeepsTheShapeStaysFiniteAndDrawsNoiseOnlyWhenStochastic(Variant variant) {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int n : new int[] {1, 4, 20}) {
                Scheduler s = variant.factory().create(n);
                int[] draws = {0};
                NDArray out = run(s, manager, 7, counting(draws));
                assertThat(out.getShape()).isEqualTo(SHAPE);
                assertThat(out.isInfinite().any().getBoolean()
                                || out.isNaN().any().getBoolean())
                        .as("%s n=%d non-finite", variant, n)
                        .isFalse();
                int expected = s instanceof EulerAncestralDiscreteScheduler ? n : s instanceof LcmScheduler ? n - 1 : 0;
                assertThat(draws[0]).as("%s n=%d noise draws", variant, n).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void twoFreshSchedulersGiveIdenticalResults(Variant variant) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = run(variant.factory().create(6), manager, 11, seeded(5));
            NDArray b = run(variant.factory().create(6), manager, 11, seeded(5));
            assertThat(a.contentEquals(b)).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void nonPositiveStepCountsAreRejected(Variant variant) {
        Schedulers factory = variant.factory();
        for (int n : new int[] {0, -3}) {
            assertThatThrownBy(() -> factory.create(n))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be positive")
                    .hasMessageContaining(String.valueOf(n));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void scaledInputsAndNoisedSamplesAreNewArraysOfTheSampleShape(Variant variant) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Scheduler s = variant.factory().create(4);
            NDArray x = random(manager, 3);
            NDArray noise = random(manager, 4);
            for (int i = 0; i < s.numSteps(); i++) {
                NDArray scaled = s.scaleModelInput(x, i);
                NDArray noised = s.addNoise(x, noise, i);
                assertThat(scaled).isNotSameAs(x);
                assertThat(scaled.getShape()).isEqualTo(SHAPE);
                assertThat(noised.getShape()).isEqualTo(SHAPE);
                assertThat(noised.isNaN().any().getBoolean()).isFalse();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void schedulersWithHistoryRejectStepsOutOfOrder(Variant variant) {
        Scheduler s = variant.factory().create(4);
        if (!variant.keepsHistory(s)) {
            return;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = random(manager, 1);
            assertThatThrownBy(() -> s.step(x, 1, x, seeded(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("expected step 0, got 1");
        }
    }

    /** The pipeline's loop: each step in its own NDScope, so kept history must outlive it. */
    private static NDArray run(Scheduler s, NDManager manager, long seed, NoiseSource noise) {
        NDArray x = random(manager, seed).mul(s.initNoiseSigma());
        for (int i = 0; i < s.numSteps(); i++) {
            try (NDScope scope = new NDScope()) {
                NDArray scaled = s.scaleModelInput(x, i);
                NDArray modelOutput = random(manager, seed * 1000 + i).add(scaled.mul(0.1f));
                StepOutput out = s.step(modelOutput, i, x, noise);
                x = out.prevSample();
                NDScope.unregister(x);
            }
        }
        return x;
    }

    private static NoiseSource counting(int[] draws) {
        NoiseSource source = seeded(99);
        return (shape, type, m) -> {
            draws[0]++;
            return source.next(shape, type, m);
        };
    }

    private static NoiseSource seeded(long seed) {
        Random random = new Random(seed);
        return (shape, type, m) -> gaussian(m, shape, random).toType(type, false);
    }

    private static NDArray random(NDManager manager, long seed) {
        return gaussian(manager, SHAPE, new Random(seed));
    }

    private static NDArray gaussian(NDManager manager, Shape shape, Random random) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }
}
