package io.batchdiffusion.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Where and in which precision the pipeline runs. On the CPU everything is float32 (half-precision
 * matrix products are two orders of magnitude slower there); on a GPU the usual choice is float16 with
 * the VAE in float32, which avoids its known overflow in half precision.
 */
public record PipelineOptions(Device device, DataType dtype, DataType vaeDtype) {

    public static PipelineOptions cpu() {
        return new PipelineOptions(Device.cpu(), DataType.FLOAT32, DataType.FLOAT32);
    }

    public static PipelineOptions gpu(int id) {
        return new PipelineOptions(Device.gpu(id), DataType.FLOAT16, DataType.FLOAT32);
    }

    public PipelineOptions {
        for (DataType type : new DataType[] {dtype, vaeDtype}) {
            if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
                throw new IllegalArgumentException("unsupported compute type " + type + ": use FLOAT32 or FLOAT16");
            }
        }
    }
}
