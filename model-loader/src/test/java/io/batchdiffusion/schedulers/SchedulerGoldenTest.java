package io.batchdiffusion.schedulers;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.batchdiffusion.schedulers.SchedulerGoldenCheck.TensorError;
import io.batchdiffusion.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every recorded scheduler run of tiny-sd-a (7 schedulers x 1/4/20/50 steps) against diffusers 0.27.2. */
class SchedulerGoldenTest {

    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> recordedRuns() {
        Path goldens = Fixtures.goldens();
        return SchedulerGoldenCheck.runs(goldens).entrySet().stream()
                .flatMap(run -> run.getValue().stream().map(n -> Arguments.of(run.getKey(), n)));
    }

    @ParameterizedTest(name = "{0} with {1} steps matches diffusers")
    @MethodSource("recordedRuns")
    void schedulerRunMatchesDiffusers(String run, int steps) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<TensorError> errors = SchedulerGoldenCheck.check(Fixtures.goldens(), run, steps, manager);
            for (TensorError e : errors) {
                System.out.printf("%-16s %-30s max|err| %.3e%n", run, e.tensor(), e.maxAbsError());
            }
            assertThat(errors).hasSizeGreaterThanOrEqualTo(5);
            assertThat(errors).allSatisfy(e -> assertThat(e.maxAbsError())
                    .as("%s %s", run, e.tensor())
                    .isLessThanOrEqualTo(TOLERANCE));
        }
    }
}
