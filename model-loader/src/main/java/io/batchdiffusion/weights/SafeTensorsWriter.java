package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes safetensors files in the layout Hugging Face's writer produces: names sorted, header padded
 * with spaces to a multiple of 8 bytes, tensors packed in header order. Tensor bytes are pulled one at
 * a time from suppliers, so multi-gigabyte files stream without holding every tensor at once. The file
 * appears under its final name only when complete.
 */
public final class SafeTensorsWriter {

    private record Entry(String name, StorageType type, long[] shape, Supplier<ByteBuffer> bytes) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Sorted, so a file's bytes never depend on the order of a caller's map (Map.of's varies per JVM). */
    private final Map<String, String> metadata = new TreeMap<>();

    /** Adds a tensor whose little-endian bytes the supplier returns when the file is written. */
    public SafeTensorsWriter add(String name, StorageType type, long[] shape, Supplier<ByteBuffer> bytes) {
        if (entries.putIfAbsent(name, new Entry(name, type, shape.clone(), bytes)) != null) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        return this;
    }

    /** Adds an array now, stored as {@code storage} (floating-point arrays are converted). */
    public SafeTensorsWriter add(String name, NDArray array, StorageType storage) {
        ByteBuffer bytes = toBytes(array, storage);
        return add(name, storage, array.getShape().getShape(), () -> bytes.duplicate());
    }

    /** Adds an array now, keeping its own element type. */
    public SafeTensorsWriter add(String name, NDArray array) {
        return add(name, array, StorageType.of(array.getDataType()));
    }

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public void write(Path path) {
        List<Entry> ordered = new ArrayList<>(entries.values());
        ordered.sort((a, b) -> a.name().compareTo(b.name()));
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : ordered) {
            long length = e.type().bytes();
            for (long d : e.shape()) {
                length = Math.multiplyExact(length, d);
            }
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.type().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] headerJson = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerJson.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerJson);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            try (FileChannel out = FileChannel.open(
                    partial,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeFully(out, prefix.flip());
                for (Entry e : ordered) {
                    writeFully(out, e.bytes().get());
                }
            }
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** The little-endian bytes of {@code array} stored as {@code storage}. */
    public static ByteBuffer toBytes(NDArray array, StorageType storage) {
        DataType target = storage.djlType();
        if (storage == StorageType.BF16) {
            try (NDArray floats = array.toType(DataType.FLOAT32, true)) {
                return float32ToBfloat16(floats.toByteBuffer());
            }
        }
        NDArray converted = array.getDataType() == target ? array : array.toType(target, false);
        try {
            ByteBuffer native_ = converted.toByteBuffer();
            ByteBuffer copy = ByteBuffer.allocate(native_.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(native_.order(ByteOrder.nativeOrder()));
            return copy.flip();
        } finally {
            if (converted != array) {
                converted.close();
            }
        }
    }

    private static ByteBuffer float32ToBfloat16(ByteBuffer floats) {
        ByteBuffer in = floats.order(ByteOrder.nativeOrder());
        ByteBuffer out = ByteBuffer.allocate(in.remaining() / 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= 4) {
            int bits = Float.floatToRawIntBits(in.getFloat());
            int rounded = bits + 0x7fff + ((bits >>> 16) & 1); // round to nearest even
            out.putShort((short) (rounded >>> 16));
        }
        return out.flip();
    }
}
