package io.batchdiffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each batch runs in its own NDManager: 200 batches in a loop leave no array behind and do not grow the
 * resident memory beyond the first batches' level. Runs in a forked JVM with a fixed, pre-touched heap
 * so the garbage collector's heap sizing cannot hide or fake native growth.
 */
class LongRunMemoryTest {

    private static final long SLACK_BYTES = 48L << 20;

    @Test
    void twoHundredBatchesLeaveNoArrayBehindAndKeepTheResidentMemoryFlat() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms160m",
                        "-Xmx160m",
                        "-XX:+AlwaysPreTouch",
                        "-XX:+UseSerialGC",
                        "-cp",
                        classpath,
                        LongRunMemory.class.getName(),
                        Fixtures.tinySdA().toString()))
                .redirectErrorStream(true)
                .start();
        String output = readAll(process.getInputStream());
        assertThat(process.waitFor(20, TimeUnit.MINUTES))
                .as("the long run finished")
                .isTrue();
        System.out.println(output.lines().filter(l -> !l.contains(" INFO ")).reduce("", (a, b) -> a + b + "\n"));
        assertThat(process.exitValue()).as(output).isZero();
        Matcher arrays = Pattern.compile("weights arrays: (\\d+), most arrays alive after a batch: (\\d+)")
                .matcher(output);
        assertThat(arrays.find()).as(output).isTrue();
        assertThat(arrays.group(2)).as("arrays alive after a batch").isEqualTo(arrays.group(1));
        Matcher growth = Pattern.compile("growth bytes: (-?\\d+)").matcher(output);
        assertThat(growth.find()).as(output).isTrue();
        assertThat(Long.parseLong(growth.group(1))).isLessThanOrEqualTo(SLACK_BYTES);
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
