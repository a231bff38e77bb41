package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated, memory-mapped safetensors file.
 *
 * <p>The whole header is checked before any tensor is touched: its length against the file and a
 * 100 MB cap, UTF-8 JSON without duplicate keys, known dtypes, each byte range equal to shape times
 * dtype size, and ranges that tile the data section exactly (no overlap, gap or trailing bytes).
 * Tensors are mapped one at a time, so files over 2 GiB load, and an fp32 tensor loaded at fp32 on
 * the CPU shares the mapped pages instead of being copied.
 */
public final class SafeTensorsFile {

    /** The header cap: real headers are kilobytes; a bigger length is an attack or corruption. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code path}; throws {@link InvalidModelFileException} naming the problem. */
    public static SafeTensorsFile open(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new InvalidModelFileException(
                        path, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
                throw new InvalidModelFileException(
                        path,
                        "header length " + Long.toUnsignedString(headerLength) + " is outside [2, min("
                                + MAX_HEADER_BYTES + ", file size " + fileSize + " - 8)]");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLength;
            return parse(path, header.flip(), dataStart, fileSize - dataStart);
        } catch (IOException e) {
            throw new InvalidModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    private static SafeTensorsFile parse(Path path, ByteBuffer headerBytes, long dataStart, long dataLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidModelFileException(path, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidModelFileException(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelFileException(path, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                readMetadata(path, field.getValue(), metadata);
            } else {
                tensors.put(field.getKey(), readTensor(path, field.getKey(), field.getValue()));
            }
        }
        checkTiling(path, tensors.values(), dataLength);
        return new SafeTensorsFile(
                path, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> into) {
        if (!node.isObject()) {
            throw new InvalidModelFileException(path, "__metadata__ is not an object");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new InvalidModelFileException(path, "__metadata__ value '" + e.getKey() + "' is not a string");
            }
            into.put(e.getKey(), e.getValue().textValue());
        });
    }

    private static TensorInfo readTensor(Path path, String name, JsonNode node) {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new InvalidModelFileException(path, where + "entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new InvalidModelFileException(path, where + "missing dtype");
        }
        StorageType type = StorageType.parse(dtypeNode.textValue())
                .orElseThrow(() ->
                        new InvalidModelFileException(path, where + "unknown dtype '" + dtypeNode.textValue() + "'"));
        long[] shape = readLongs(path, where + "shape", node.get("shape"), -1);
        long[] offsets = readLongs(path, where + "data_offsets", node.get("data_offsets"), 2);
        long elements = 1;
        try {
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            long expected = Math.multiplyExact(elements, type.bytes());
            if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != expected) {
                throw new InvalidModelFileException(
                        path,
                        where + "byte range [" + offsets[0] + ", " + offsets[1] + ") does not hold shape "
                                + java.util.Arrays.toString(shape) + " of " + type + " (" + expected + " bytes)");
            }
        } catch (ArithmeticException e) {
            throw new InvalidModelFileException(
                    path, where + "shape " + java.util.Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        return new TensorInfo(name, type, shape, offsets[0], offsets[1]);
    }

    private static long[] readLongs(Path path, String what, JsonNode node, int requiredLength) {
        if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            throw new InvalidModelFileException(
                    path, what + " is not an array" + (requiredLength >= 0 ? " of " + requiredLength : ""));
        }
        if (node.size() > 64) {
            throw new InvalidModelFileException(path, what + " has " + node.size() + " entries");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new InvalidModelFileException(path, what + " holds '" + v + "', not a non-negative integer");
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static void checkTiling(Path path, Iterable<TensorInfo> infos, long dataLength) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        for (TensorInfo info : sorted) {
            if (info.begin() < cursor) {
                throw new InvalidModelFileException(
                        path, "tensor '" + info.name() + "' overlaps the tensor before it at byte " + info.begin());
            }
            if (info.begin() > cursor) {
                throw new InvalidModelFileException(
                        path, "gap of " + (info.begin() - cursor) + " bytes before tensor '" + info.name() + "'");
            }
            if (info.end() > dataLength) {
                throw new InvalidModelFileException(
                        path,
                        "tensor '" + info.name() + "' ends at byte " + info.end() + ", past the data section of "
                                + dataLength + " bytes");
            }
            cursor = info.end();
        }
        if (cursor != dataLength) {
            throw new InvalidModelFileException(path, (dataLength - cursor) + " trailing bytes after the last tensor");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += n;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new InvalidModelFileException(path, "no tensor named '" + name + "'");
        }
        return info;
    }

    /**
     * Loads one tensor into {@code manager}, converting floating-point storage to {@code computeType}.
     * Integer tensors keep their type. When no conversion is needed on the CPU the array shares the
     * read-only mapped pages: never write to it in place (use {@link #loadWritable} for that).
     */
    public NDArray load(String name, NDManager manager, DataType computeType) {
        return load(name, manager, computeType, false);
    }

    /** Like {@link #load} but always a private copy, safe to update in place (training). */
    public NDArray loadWritable(String name, NDManager manager, DataType computeType) {
        return load(name, manager, computeType, true);
    }

    private NDArray load(String name, NDManager manager, DataType computeType, boolean writable) {
        TensorInfo info = info(name);
        ByteBuffer bytes = map(info);
        Shape shape = new Shape(info.shape());
        if (!info.type().isFloatingPoint() || info.type().djlType() == computeType) {
            if (writable) {
                ByteBuffer copy = ByteBuffer.allocateDirect(bytes.remaining()).order(ByteOrder.nativeOrder());
                bytes = copy.put(bytes).flip();
            }
            return manager.create(bytes, shape, info.type().djlType());
        }
        if (info.type() == StorageType.BF16) {
            // Casting from bf16 inside the engine has crashed the JVM on CPU; widen in Java.
            NDArray widened = manager.create(bfloat16ToFloat32(bytes), shape, DataType.FLOAT32);
            return computeType == DataType.FLOAT32 ? widened : convert(widened, computeType);
        }
        return convert(manager.create(bytes, shape, info.type().djlType()), computeType);
    }

    private static NDArray convert(NDArray stored, DataType computeType) {
        try (stored) {
            return stored.toType(computeType, true);
        }
    }

    /** Reads the raw little-endian bytes of one tensor (for checks and tools; the loader maps instead). */
    public ByteBuffer bytes(String name) {
        return map(info(name)).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer map(TensorInfo info) {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new InvalidModelFileException(
                    path,
                    "tensor '" + info.name() + "' is " + info.byteLength()
                            + " bytes; one tensor over 2 GiB is unsupported");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new InvalidModelFileException(path, "cannot map tensor '" + info.name() + "': " + e.getMessage(), e);
        }
    }

    private static ByteBuffer bfloat16ToFloat32(ByteBuffer bf16) {
        ByteBuffer out = ByteBuffer.allocateDirect(bf16.remaining() * 2).order(ByteOrder.nativeOrder());
        ByteBuffer in = bf16.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= 2) {
            out.putFloat(Float.intBitsToFloat((in.getShort() & 0xffff) << 16));
        }
        return out.flip();
    }

    /** True when {@code path} names a file in the safetensors format by its extension. */
    public static boolean hasSafetensorsName(Path path) {
        return path.getFileName().toString().endsWith(".safetensors");
    }

    static boolean exists(Path path) {
        return Files.isRegularFile(path);
    }
}
