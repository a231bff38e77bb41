package io.batchdiffusion.jobs;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a task renders on: the first GPU address Spark assigned to the task (the {@code gpu}
 * resource of {@code spark.task.resource.gpu.amount}), in half precision with the VAE in full
 * precision; the CPU in full precision when the task has no GPU.
 */
public record DeviceChoice(String deviceType, int deviceId, String dtype, String vaeDtype) implements Serializable {

    public static final DeviceChoice CPU = new DeviceChoice("cpu", -1, "float32", "float32");

    public static DeviceChoice gpu(int id) {
        return new DeviceChoice("gpu", id, "float16", "float32");
    }

    /** Chooses from a task's resources ({@code TaskContext.get().resources()}). */
    public static DeviceChoice fromResources(Map<String, ResourceInformation> resources) {
        ResourceInformation gpus = resources == null ? null : resources.get("gpu");
        if (gpus == null || gpus.addresses().length == 0) {
            return CPU;
        }
        String address = gpus.addresses()[0].strip();
        try {
            return gpu(Integer.parseInt(address));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "GPU address '" + address + "' from the discovery script is not a device index");
        }
    }

    public boolean isGpu() {
        return deviceType.equals("gpu");
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu(" + deviceId + ") " + dtype + ", vae " + vaeDtype : "cpu " + dtype;
    }
}
