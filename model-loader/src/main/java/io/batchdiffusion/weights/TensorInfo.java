package io.batchdiffusion.weights;

import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: its element type, shape and byte range relative to the
 * start of the data section.
 */
public record TensorInfo(String name, StorageType type, long[] shape, long begin, long end) {

    public long byteLength() {
        return end - begin;
    }

    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
