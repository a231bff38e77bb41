package io.batchdiffusion.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A validated, memory-mapped safetensors file.
 *
 * <p>The whole header is checked before any tensor is touched (see {@link SafeTensorsHeader}): its
 * length against the file and a 100 MB cap, UTF-8 JSON without duplicate names, known dtypes, each
 * byte range equal to shape times dtype size, and ranges that tile the data section exactly (no
 * overlap, gap or trailing bytes).
 * Tensors are mapped one at a time, so files over 2 GiB load, and an fp32 tensor loaded at fp32 on
 * the CPU shares the mapped pages instead of being copied.
 */
public final class SafeTensorsFile {

    /** The header cap: real headers are kilobytes; a bigger length is an attack or corruption. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long dataBytes;
    private ByteBuffer dataMapping;

    private SafeTensorsFile(Path path, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
        this.dataBytes = tensors.values().stream()
                .mapToLong(t -> t.begin() + t.byteLength())
                .max()
                .orElse(0);
    }

    /** Opens and validates {@code path}; throws {@link InvalidModelFileException} naming the problem. */
    public static SafeTensorsFile open(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(path, channel.size(), (position, length) -> {
                ByteBuffer buffer = ByteBuffer.allocate(length);
                readFully(channel, buffer, position);
                return buffer.flip();
            });
        } catch (IOException e) {
            throw new InvalidModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Validates a whole file held in memory, exactly as {@link #open} validates one on disk (the fuzz
     * tests use it); {@code name} only labels the messages. The result cannot load tensors.
     */
    static SafeTensorsFile validate(Path name, byte[] file) {
        try {
            return read(name, file.length, (position, length) -> ByteBuffer.wrap(file, (int) position, length)
                    .slice());
        } catch (IOException e) {
            throw new IllegalStateException("reading an array cannot fail", e);
        }
    }

    /** Reads {@code length} bytes at {@code position}: from the file, or from an array. */
    @FunctionalInterface
    private interface ByteSource {
        ByteBuffer read(long position, int length) throws IOException;
    }

    private static SafeTensorsFile read(Path path, long fileSize, ByteSource source) throws IOException {
        if (fileSize < 8) {
            throw new InvalidModelFileException(
                    path, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = source.read(0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // Checked before anything is allocated for the header.
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
            throw new InvalidModelFileException(
                    path,
                    "header length " + Long.toUnsignedString(headerLength) + " is outside [2, min(" + MAX_HEADER_BYTES
                            + ", file size " + fileSize + " - 8)]");
        }
        ByteBuffer header = source.read(8, (int) headerLength);
        long dataStart = 8 + headerLength;
        return SafeTensorsHeader.parse(path, header, dataStart, fileSize - dataStart);
    }

    static SafeTensorsFile of(
            Path path, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        return new SafeTensorsFile(path, dataStart, tensors, metadata);
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
        if (dataBytes <= Integer.MAX_VALUE) {
            return wholeData()
                    .slice((int) info.begin(), (int) info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        return map("tensor '" + info.name() + "'", dataStart + info.begin(), info.byteLength());
    }

    /**
     * The data section mapped once, for files whose data fits one buffer: a mapping per tensor would
     * leave thousands of mappings until the garbage collector unmaps them, and the kernel caps a
     * process at vm.max_map_count (65,530 by default), past which even the JVM's own allocations fail.
     */
    private synchronized ByteBuffer wholeData() {
        if (dataMapping == null) {
            dataMapping = map("the data section", dataStart, dataBytes);
        }
        return dataMapping;
    }

    private ByteBuffer map(String what, long position, long length) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, position, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new InvalidModelFileException(path, "cannot map " + what + ": " + e.getMessage(), e);
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
