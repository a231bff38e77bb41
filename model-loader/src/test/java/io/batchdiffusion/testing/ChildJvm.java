package io.batchdiffusion.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test class's {@code main} in a fresh JVM on the test classpath, for settings that only take effect
 * before the engine's first use in a process (native memory, MKL's kernels).
 */
public final class ChildJvm {

    private ChildJvm() {}

    /**
     * @param jvmOptions options before the class name ({@code -D...}, {@code -Xmx...})
     * @param environment variables to set; a {@code null} value removes the variable
     * @param resultPrefix the start of the one output line to return
     * @return the first output line starting with {@code resultPrefix}; fails the test when the child fails,
     *     hangs or prints no such line
     */
    public static String resultLine(
            Class<?> main, List<String> jvmOptions, Map<String, String> environment, String resultPrefix)
            throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, main.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process process = builder.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(2, TimeUnit.MINUTES))
                .as("the child JVM finished")
                .isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines()
                .filter(line -> line.startsWith(resultPrefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result line in:\n" + output));
    }
}
