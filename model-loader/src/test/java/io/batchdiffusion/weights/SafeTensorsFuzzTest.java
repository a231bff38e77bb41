package io.batchdiffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SafeTensorsFuzzTest {

    private static final int CASES = 100_000;
    private static final long SEED = 20_240_611L;

    @Test
    void aHundredThousandMutatedFilesGetOnlyTheLoadersOwnErrorInA256MbHeap() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-Xss1m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        classpath,
                        SafeTensorsFuzz.class.getName(),
                        Integer.toString(CASES),
                        Long.toString(SEED)))
                .redirectErrorStream(true)
                .start();
        String output = readAll(process.getInputStream());
        boolean done = process.waitFor(10, TimeUnit.MINUTES);
        System.out.println(output);
        assertThat(done).as("the fuzz run finished").isTrue();
        assertThat(output)
                .contains("-Xmx256m")
                .contains("files: " + (CASES + 3))
                .contains("out of memory: 0, unexpected: 0")
                .doesNotContain("FINDING");
        assertThat(process.exitValue()).isZero();
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
