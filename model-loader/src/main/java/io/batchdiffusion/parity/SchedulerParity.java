package io.batchdiffusion.parity;

import ai.djl.ndarray.NDManager;
import io.batchdiffusion.schedulers.SchedulerGoldenCheck;
import java.util.List;
import java.util.Map;

/** Every {@code scheduler_*.safetensors} run at every step count, with its config from meta.json. */
final class SchedulerParity implements ParityCheck {

    @Override
    public void run(GoldenFixture fixture, ParityReport report) {
        Map<String, List<Integer>> runs = SchedulerGoldenCheck.runs(fixture.goldens());
        if (runs.isEmpty()) {
            report.note("no scheduler goldens; schedulers not checked");
        }
        runs.forEach((run, stepCounts) -> {
            for (int n : stepCounts) {
                try (NDManager m = fixture.manager().newSubManager()) {
                    for (SchedulerGoldenCheck.TensorError e :
                            SchedulerGoldenCheck.check(fixture.goldens(), run, n, m)) {
                        report.add(new ParityReport.Line(
                                "scheduler", run + " n" + n + " " + e.tensor(), e.maxAbsError(), SCHEDULER));
                    }
                }
            }
        });
    }
}
