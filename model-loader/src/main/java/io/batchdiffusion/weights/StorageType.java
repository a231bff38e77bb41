package io.batchdiffusion.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/** The element types a safetensors header may name, with their sizes in bytes. */
public enum StorageType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType djlType;

    StorageType(int bytes, DataType djlType) {
        this.bytes = bytes;
        this.djlType = djlType;
    }

    public int bytes() {
        return bytes;
    }

    public DataType djlType() {
        return djlType;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    static Optional<StorageType> parse(String name) {
        for (StorageType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    static StorageType of(DataType type) {
        for (StorageType storage : values()) {
            if (storage.djlType == type) {
                return storage;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for " + type);
    }
}
