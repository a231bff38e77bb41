package io.batchdiffusion.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the project's copy of the reference fixtures ({@code models/tiny-sd-a}) and reads goldens. */
public final class Fixtures {

    private Fixtures() {}

    /** The tiny-sd-a model folder (diffusers layout, with {@code goldens/} and {@code clip-scorer/}). */
    public static Path tinySdA() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("models").resolve("tiny-sd-a");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "models/tiny-sd-a not found above " + Paths.get("").toAbsolutePath());
    }

    public static Path goldens() {
        return tinySdA().resolve("goldens");
    }

    public static SafeTensorsFile golden(String fileName) {
        return SafeTensorsFile.open(goldens().resolve(fileName));
    }

    /** A golden tensor, floats as FLOAT32 and integers as stored. */
    public static NDArray load(SafeTensorsFile file, String name, NDManager manager) {
        return file.load(name, manager, DataType.FLOAT32);
    }
}
