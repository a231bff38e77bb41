package io.batchdiffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kind of hostile or broken weights file the loader must refuse, naming the file and the reason. */
class HostileModelFilesTest {

    private static final long FEW_MB = 4L << 20;

    @TempDir
    Path tmp;

    @Test
    void aHeaderLengthPastTheFileIsRefusedBeforeAnythingIsAllocatedForIt() throws IOException {
        Path file = sparseFile("past-end", 1L << 20, Long.MAX_VALUE / 2);
        refusedWithin(FEW_MB, file).hasMessageContaining("header length " + Long.MAX_VALUE / 2);
        refusedWithin(FEW_MB, sparseFile("negative", 64, -1L))
                .hasMessageContaining("header length 18446744073709551615");
    }

    @Test
    void aHeaderLengthOver100MbIsRefusedEvenWhenTheFileIsThatLarge() throws IOException {
        Path file = sparseFile("huge-header", 200L << 20, SafeTensorsFile.MAX_HEADER_BYTES + 1);
        refusedWithin(FEW_MB, file)
                .hasMessageContaining("header length 104857601")
                .hasMessageContaining("104857600");
    }

    @Test
    void filesShorterThanTheLengthFieldOrWithATinyHeaderAreRefused() throws IOException {
        assertRefused(write(new byte[5]), "file is 5 bytes");
        assertRefused(withRawHeader(new byte[] {'{'}, 0), "header length 1");
    }

    @Test
    void headersThatAreNotUtf8AreRefusedWithTheByteOffset() throws IOException {
        byte[] overlong = "{\"a\":{}}".getBytes(StandardCharsets.US_ASCII);
        overlong[2] = (byte) 0xC0; // an overlong encoding, and no continuation byte
        assertRefused(withRawHeader(overlong, 0), "not valid UTF-8 (byte 10)");
        byte[] surrogate = "{\"abc\":{}}".getBytes(StandardCharsets.US_ASCII);
        surrogate[2] = (byte) 0xED; // CESU-8 surrogate U+D800
        surrogate[3] = (byte) 0xA0;
        surrogate[4] = (byte) 0x80;
        assertRefused(withRawHeader(surrogate, 0), "not valid UTF-8");
    }

    @Test
    void headersThatAreNotASingleJsonObjectAreRefused() throws IOException {
        assertRefused(withHeader("not json", 0), "header is not valid JSON");
        assertRefused(withHeader("[1,2]", 0), "header is not a JSON object");
        assertRefused(withHeader("{} {}", 0), "content after its JSON object");
        assertRefused(withHeader("{\"a\":", 0), "header is not valid JSON");
        assertRefused(withHeader("{\"a\":{\"x\":" + "[".repeat(100_000) + "}}", 0), "header is not valid JSON");
        assertRefused(withHeader("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__ value 'k' is not a string");
    }

    @Test
    void byteRangesMustTileTheDataSectionExactly() throws IOException {
        assertRefused(
                withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        8),
                "tensor 'b' overlaps");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "gap of 4 bytes before tensor 'a'");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4),
                "tensor 'a' ends at byte 8, past the data section of 4 bytes");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 5),
                "1 trailing bytes after the last tensor");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "tensor 'a': byte range [0, 8) does not hold shape [3] of F16 (6 bytes)");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 0),
                "does not hold shape");
    }

    @Test
    void shapesAndOffsetsMustBeSmallNonNegativeIntegers() throws IOException {
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0),
                "shape [4294967296, 4294967296] overflows a 64-bit byte count");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[18446744073709551616],\"data_offsets\":[0,0]}}", 0),
                "holds '18446744073709551616', not a non-negative 64-bit integer");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0),
                "tensor 'a': shape holds '-1'");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", 0), "holds '1.5'");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[1" + "0".repeat(5000) + "]}}", 0),
                "header is not valid JSON");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[" + "1,".repeat(64) + "1],\"data_offsets\":[0,1]}}", 1),
                "shape has over 64 entries");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1),
                "data_offsets has 3 entries, not 2");
        assertRefused(withHeader("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1), "tensor 'a': missing shape");
    }

    @Test
    void unknownDtypesAndDuplicateNamesAreRefused() throws IOException {
        assertRefused(
                withHeader("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
                "tensor 'a': unknown dtype 'F8_E4M3'");
        assertRefused(
                withHeader("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
                "dtype is repeated or not a string");
        assertRefused(
                withHeader(
                        "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
                        2),
                "duplicate tensor name 'a'");
        assertRefused(withHeader("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "two __metadata__ entries");
        assertRefused(withHeader("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "two values for 'k'");
    }

    @Test
    void namesQuotedInMessagesAreEscapedAndShortened() throws IOException {
        String name = "line\nbreak" + "x".repeat(40_000); // under Jackson's 50,000-char name limit
        Throwable e = catchRefusal(withHeader(
                "{\"" + name.replace("\n", "\\n") + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}", 0));
        assertThat(e.getMessage()).contains("'line\\u000abreakxxx").contains("... (40010 chars)");
        assertThat(e.getMessage().length()).isLessThan(400);
    }

    @Test
    void headersDeclaringMoreThanTheTensorCapAreRefused() throws IOException {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i <= SafeTensorsHeader.MAX_TENSORS; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("\"t")
                    .append(i)
                    .append("\":{\"dtype\":\"U8\",\"shape\":[0],")
                    .append("\"data_offsets\":[0,0]}");
        }
        assertRefused(withHeader(json.append('}').toString(), 0), "over 100000 tensors");
    }

    @Test
    void theInMemoryValidatorGivesTheSameAnswerAsOpen() throws IOException {
        byte[] bytes =
                Files.readAllBytes(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 5));
        Path name = tmp.resolve("in-memory");
        assertThatThrownBy(() -> SafeTensorsFile.validate(name, bytes))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessage(name + ": 1 trailing bytes after the last tensor");
        byte[] good = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        assertThat(SafeTensorsFile.validate(name, good).tensors()).containsOnlyKeys("a");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "diffusion_pytorch_model.bin",
                "model.ckpt",
                "weights.pt",
                "weights.pth",
                "weights.pkl",
                "weights.pickle",
                "pipeline.py",
                "pipeline.cpython-311.pyc",
                "LOUD.BIN"
            })
    void componentFoldersHoldingPickleOrCodeAreRefusedUnread(String fileName) throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("unet-" + fileName));
        Files.write(folder.resolve(fileName), new byte[] {(byte) 0x80, 0x04, '.'}); // a pickle stream
        assertThatThrownBy(() -> WeightStore.ofFolder(folder))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(folder.resolve(fileName).toString())
                .hasMessageContaining("refusing a")
                .hasMessageContaining("only .safetensors weights are read");
        assertThatThrownBy(() -> WeightStore.ofFile(folder.resolve(fileName))).hasMessageContaining("refusing a");
    }

    @Test
    void aPipelineFolderWithPickleOrCodeAnywhereInsideIsRefusedBeforeAnyComponentLoads() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(model.resolve("model_index.json"), "{}");
        Path nested = Files.createDirectories(model.resolve("safety_checker"));
        Files.writeString(nested.resolve("pytorch_model.bin"), "pickle");
        assertThatThrownBy(() -> StableDiffusionPipeline.load(model, PipelineOptions.cpu()))
                .isInstanceOf(InvalidModelFileException.class)
                .hasMessageContaining(nested.resolve("pytorch_model.bin").toString());
        Files.delete(nested.resolve("pytorch_model.bin"));
        Files.writeString(Files.createDirectories(model.resolve("tokenizer")).resolve("tokenization_evil.py"), "");
        assertThatThrownBy(() -> StableDiffusionPipeline.load(model, PipelineOptions.cpu()))
                .hasMessageContaining("tokenization_evil.py")
                .hasMessageContaining("refusing a .py file");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Asserts the refusal names the file and allocated at most {@code limit} bytes on the way. */
    private AbstractThrowableAssert<?, ? extends Throwable> refusedWithin(long limit, Path file) {
        long before = allocatedBytes();
        Throwable e = catchRefusal(file);
        long allocated = allocatedBytes() - before;
        System.out.printf("refusing %s allocated %d bytes%n", file.getFileName(), allocated);
        assertThat(allocated).isLessThan(limit);
        return assertThat(e);
    }

    private static Throwable catchRefusal(Path file) {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> SafeTensorsFile.open(file));
        assertThat(e).isInstanceOf(InvalidModelFileException.class).hasMessageStartingWith(file + ": ");
        return e;
    }

    private static void assertRefused(Path file, String reason) {
        assertThat(catchRefusal(file)).hasMessageContaining(reason);
    }

    /** A sparse file of {@code size} bytes whose first 8 bytes are {@code headerLength}. */
    private Path sparseFile(String name, long size, long headerLength) throws IOException {
        Path file = tmp.resolve(name + ".safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            raf.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(headerLength)
                    .array());
        }
        return file;
    }

    private Path withHeader(String json, int dataBytes) throws IOException {
        return withRawHeader(json.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    private Path withRawHeader(byte[] header, int dataBytes) throws IOException {
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
