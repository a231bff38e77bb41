package io.batchdiffusion.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {

    @Test
    void aTaskWithAGpuResourceRendersOnItsFirstAddressInHalfPrecisionWithAFloatVae() {
        DeviceChoice choice =
                DeviceChoice.fromResources(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3", "4"})));
        assertThat(choice.isGpu()).isTrue();
        assertThat(choice.deviceId()).isEqualTo(3);
        assertThat(choice.dtype()).isEqualTo("float16");
        assertThat(choice.vaeDtype()).isEqualTo("float32");
    }

    @Test
    void aTaskWithoutGpusRendersOnTheCpuInFullPrecision() {
        assertThat(DeviceChoice.fromResources(Map.of())).isEqualTo(DeviceChoice.CPU);
        assertThat(DeviceChoice.fromResources(null)).isEqualTo(DeviceChoice.CPU);
        assertThat(DeviceChoice.CPU.dtype()).isEqualTo("float32");
    }

    @Test
    void aDiscoveryScriptAddressThatIsNotAnIndexIsAClearError() {
        assertThatThrownBy(() -> DeviceChoice.fromResources(
                        Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-abc"}))))
                .hasMessageContaining("GPU-abc");
    }
}
