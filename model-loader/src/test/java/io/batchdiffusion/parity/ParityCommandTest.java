package io.batchdiffusion.parity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.weights.SafeTensorsFile;
import io.batchdiffusion.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityCommandTest {

    @TempDir
    Path tmp;

    @Test
    void passesEveryGoldenOfTheFixtureAndFailsTheOneThatWasTamperedWith() throws IOException {
        Path copy = tmp.resolve("fixture");
        try (Stream<Path> files = Files.walk(Fixtures.tinySdA())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(Fixtures.tinySdA().relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Path unetGolden = copy.resolve("goldens/unet.safetensors");
        SafeTensorsFile original = SafeTensorsFile.open(unetGolden);
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensorsWriter writer = new SafeTensorsWriter();
            for (String name : original.tensors().keySet()) {
                NDArray t = original.load(name, m, ai.djl.ndarray.types.DataType.FLOAT32);
                writer.add(name, name.equals("out_t981") ? t.add(0.01f) : t);
            }
            Files.delete(unetGolden);
            writer.write(unetGolden);
        }

        ParityReport report = ParityCommand.run(copy, copy.resolve("goldens"), copy.resolve("clip-scorer"));

        assertThat(report.lines()).hasSizeGreaterThan(200);
        assertThat(report.lines().stream().filter(l -> !l.passed()).map(ParityReport.Line::tensor))
                .containsExactly("out_t981");
        assertThat(report.lines().stream().map(ParityReport.Line::component))
                .contains("tokenizer", "text_encoder", "unet", "vae", "scheduler", "pipeline", "clip");
    }
}
