package io.batchdiffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsEveryFixtureFile() throws IOException {
        try (Stream<Path> files = Files.walk(Fixtures.tinySdA())) {
            files.filter(SafeTensorsFile::hasSafetensorsName)
                    .forEach(f -> assertThat(SafeTensorsFile.open(f).tensors())
                            .as(f.toString())
                            .isNotEmpty());
        }
    }

    @Test
    void theWritersBytesDoNotDependOnTheOrderMetadataArrivesIn() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray values = m.create(new float[] {1f, 2f});
            Path first = tmp.resolve("first.safetensors");
            Path second = tmp.resolve("second.safetensors");
            new SafeTensorsWriter()
                    .add("b", values)
                    .add("a", values)
                    .metadata("stage", "vae")
                    .metadata("plan", "seed=42")
                    .write(first);
            new SafeTensorsWriter()
                    .add("a", values)
                    .add("b", values)
                    .metadata("plan", "seed=42")
                    .metadata("stage", "vae")
                    .write(second);
            assertThat(Files.readAllBytes(first)).isEqualTo(Files.readAllBytes(second));
            assertThat(SafeTensorsFile.open(first).metadata()).containsEntry("stage", "vae");
        }
    }

    @Test
    void roundTripsEveryStorageTypeThroughTheWriter() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray values = m.create(new float[] {1.5f, -2.25f, 3.0f, 0.0078125f}, new Shape(2, 2));
            Path file = tmp.resolve("t.safetensors");
            new SafeTensorsWriter()
                    .add("f32", values, StorageType.F32)
                    .add("f16", values, StorageType.F16)
                    .add("bf16", values, StorageType.BF16)
                    .add("ids", m.create(new long[] {7, 8, 9}))
                    .write(file);
            SafeTensorsFile read = SafeTensorsFile.open(file);
            for (String name : new String[] {"f32", "f16", "bf16"}) {
                NDArray loaded = read.load(name, m, DataType.FLOAT32);
                assertThat(loaded.getShape()).isEqualTo(new Shape(2, 2));
                assertThat(loaded.toFloatArray()).as(name).containsExactly(1.5f, -2.25f, 3.0f, 0.0078125f);
            }
            assertThat(read.load("ids", m, DataType.FLOAT32).toLongArray()).containsExactly(7, 8, 9);
            assertThat(read.info("bf16").type()).isEqualTo(StorageType.BF16);
        }
    }

    @Test
    void mapsAFileOnceHoweverManyTensorsAreLoaded() throws IOException {
        Path file = tmp.resolve("many.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensorsWriter writer = new SafeTensorsWriter();
            for (int i = 0; i < 200; i++) {
                writer.add("t" + i, m.create(new float[] {i, -i}), StorageType.F32);
            }
            writer.write(file);
            SafeTensorsFile read = SafeTensorsFile.open(file);
            for (int i = 0; i < 200; i++) {
                assertThat(read.load("t" + i, m, DataType.FLOAT32).toFloatArray())
                        .containsExactly(i, -i);
            }
            // Each mapping counts against vm.max_map_count (65,530); one per tensor exhausted it in a test JVM.
            long mappings = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.endsWith(file.toString()))
                    .count();
            assertThat(mappings).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void readsATensorThatStartsPastTwoGibibytes() throws IOException {
        // A sparse file: 2.1 GB long, a few KB on disk. The filler spans bytes [0, 2^31 + 64) of the data.
        long fillerBytes = (1L << 31) + 64;
        String header = "{\"filler\":{\"dtype\":\"U8\",\"shape\":[" + fillerBytes
                + "],\"data_offsets\":[0," + fillerBytes + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + fillerBytes + ","
                + (fillerBytes + 12) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8L + headerBytes.length;
        Path file = tmp.resolve("big.safetensors");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer start = ByteBuffer.allocate(8 + headerBytes.length).order(ByteOrder.LITTLE_ENDIAN);
            channel.write(start.putLong(headerBytes.length).put(headerBytes).flip());
            ByteBuffer tail = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            channel.write(tail.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).flip(), dataStart + fillerBytes);
        }
        assertThat(Files.size(file)).isGreaterThan(1L << 31);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray tailValues = SafeTensorsFile.open(file).load("tail", m, DataType.FLOAT32);
            assertThat(tailValues.toFloatArray()).containsExactly(1.5f, -2f, 0.25f);
        }
    }

    @Test
    void rejectsAHeaderLengthPastTheFile() throws IOException {
        Path file = write(ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1_000)
                .putLong(0)
                .array());
        assertThatThrownBy(() -> SafeTensorsFile.open(file))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("header length 1000");
    }

    @Test
    void rejectsTrailingBytesAndNamesTheFile() throws IOException {
        Path file = withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).hasMessageContaining("4 trailing bytes");
    }

    @Test
    void rejectsARangeThatDisagreesWithTheShapeAndNamesTheTensor() throws IOException {
        Path file = withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertThatThrownBy(() -> SafeTensorsFile.open(file))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("12 bytes");
    }

    @Test
    void rejectsOverlapsGapsDuplicatesAndUnknownTypes() throws IOException {
        assertThatThrownBy(() -> SafeTensorsFile.open(withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        8)))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> SafeTensorsFile.open(
                        withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)))
                .hasMessageContaining("gap of 4 bytes");
        assertThatThrownBy(() -> SafeTensorsFile.open(withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        8)))
                .hasMessageContaining("duplicate tensor name 'a'");
        assertThatThrownBy(() -> SafeTensorsFile.open(
                        withHeader("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)))
                .hasMessageContaining("unknown dtype 'Q4'");
        assertThatThrownBy(() -> SafeTensorsFile.open(withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}",
                        4)))
                .hasMessageContaining("overflows");
    }

    @Test
    void rejectsAHeaderThatIsNotUtf8() throws IOException {
        byte[] header = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        header[2] = (byte) 0xff;
        Path file = write(ByteBuffer.allocate(8 + header.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .put(header)
                .array());
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void refusesPickleCheckpointsInAComponentFolder() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("unet"));
        Files.writeString(folder.resolve("diffusion_pytorch_model.bin"), "not read");
        assertThatThrownBy(() -> WeightStore.ofFolder(folder))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining("diffusion_pytorch_model.bin")
                .hasMessageContaining("pickle");
    }

    private Path withHeader(String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return write(ByteBuffer.allocate(8 + header.length + dataBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .put(header)
                .array());
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(tmp, "f", ".safetensors");
        Files.write(file, bytes);
        return file;
    }
}
