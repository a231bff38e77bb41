package io.batchdiffusion.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.batchdiffusion.bench.ProfileSummary.OpTime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileSummaryTest {

    /** A linear layer (100 us, of which its product takes 80), a convolution (50 us) and an add (10 us). */
    private static final String TRACE = """
            {"traceEvents": [
              {"ph": "X", "name": "aten::linear", "tid": 1, "ts": 0, "dur": 100},
              {"ph": "X", "name": "aten::addmm", "tid": 1, "ts": 10, "dur": 80},
              {"ph": "X", "name": "aten::mkldnn_convolution", "tid": 1, "ts": 100, "dur": 50},
              {"ph": "X", "name": "aten::add_", "tid": 1, "ts": 150, "dur": 10},
              {"ph": "i", "name": "marker", "tid": 1, "ts": 5}
            ]}
            """;

    @TempDir
    Path dir;

    @Test
    void chargesEachOperatorItsOwnTimeOnly() throws Exception {
        List<OpTime> ops = ProfileSummary.selfTimes(trace());

        assertThat(ops)
                .extracting(OpTime::name)
                .containsExactly("aten::addmm", "aten::mkldnn_convolution", "aten::linear", "aten::add_");
        assertThat(ops.get(0).selfMs()).isCloseTo(0.080, within(1e-9));
        assertThat(ops.get(2).selfMs()).isCloseTo(0.020, within(1e-9));
    }

    @Test
    void theMatrixOperatorsAreTheProductsAndConvolutions() throws Exception {
        assertThat(ProfileSummary.matrixMs(ProfileSummary.selfTimes(trace()))).isCloseTo(0.130, within(1e-9));
    }

    @Test
    void printsTheRateOfTheMatrixOperatorsAgainstTheCeiling() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BenchReport report = new BenchReport(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        report.setCeiling(200);

        ProfileSummary.print(trace(), report, "UNet", 13e6); // 13 MFLOP in 0.13 ms: 100 GFLOP/s

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("UNet: matrix operators (convolutions, products, attention) 0 ms of 0 ms profiled (81%),"
                        + " at 100.0 GFLOP/s on their own = 50% of the ceiling");
    }

    private Path trace() throws Exception {
        return Files.writeString(dir.resolve("trace.json"), TRACE);
    }
}
