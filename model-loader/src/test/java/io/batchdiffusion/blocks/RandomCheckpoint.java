package io.batchdiffusion.blocks;

import io.batchdiffusion.weights.InvalidModelFileException;
import io.batchdiffusion.weights.SafeTensorsWriter;
import io.batchdiffusion.weights.StorageType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a random-weight checkpoint holding exactly the tensors a model asks for, without a name table:
 * the model is built against the file so far, and each "missing tensor" failure (which names the
 * tensor and the shape the config needs) adds that tensor, until the build succeeds.
 */
public final class RandomCheckpoint {

    private static final Pattern MISSING =
            Pattern.compile("missing tensor '([^']+)' \\(the model config needs shape \\[([0-9, ]*)\\]\\)");

    private RandomCheckpoint() {}

    /**
     * @param file the safetensors file to write (its folder holds the model's config.json)
     * @param build loads the model from the folder, closing whatever it allocates
     * @return the tensors written, by name, with their shapes
     */
    public static Map<String, long[]> write(Path file, Consumer<Path> build) {
        Map<String, long[]> tensors = new LinkedHashMap<>();
        Map<String, ByteBuffer> values = new HashMap<>();
        while (true) {
            SafeTensorsWriter writer = new SafeTensorsWriter();
            tensors.forEach((name, shape) -> {
                ByteBuffer bytes = values.computeIfAbsent(name, n -> randomValues(n, shape));
                writer.add(name, StorageType.F32, shape, bytes::duplicate);
            });
            writer.write(file);
            try {
                build.accept(file.getParent());
                return tensors;
            } catch (InvalidModelFileException e) {
                Matcher m = MISSING.matcher(e.getMessage());
                if (!m.find() || tensors.containsKey(m.group(1))) {
                    throw e;
                }
                long[] shape = m.group(2).isBlank()
                        ? new long[0]
                        : Arrays.stream(m.group(2).split(", "))
                                .mapToLong(Long::parseLong)
                                .toArray();
                tensors.put(m.group(1), shape);
            }
        }
    }

    /**
     * Values like the fixture's: norm scales 1 + N(0, 0.1), biases N(0, 0.05), other weights N(0, 1/sqrt(fan_in)),
     * seeded by name so a checkpoint is reproducible.
     */
    private static ByteBuffer randomValues(String name, long[] shape) {
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        long fanIn = shape.length < 2 ? 1 : count / shape[0];
        boolean bias = name.endsWith("bias");
        boolean scale = !bias && shape.length == 1;
        double std = bias ? 0.05 : scale ? 0.1 : 1 / Math.sqrt(fanIn);
        Random random = new Random(name.hashCode());
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(count * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
            bytes.putFloat((float) ((scale ? 1 : 0) + std * random.nextGaussian()));
        }
        return bytes.flip();
    }
}
