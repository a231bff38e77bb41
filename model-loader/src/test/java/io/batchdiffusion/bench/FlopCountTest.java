package io.batchdiffusion.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.batchdiffusion.clip.ClipModelConfig;
import io.batchdiffusion.clip.ClipTextConfig;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.unet.UNet2DConditionConfig;
import io.batchdiffusion.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FlopCountTest {

    @Test
    void stableDiffusion15UNetCostsThePublishedGflopPerImage() {
        UNet2DConditionConfig unet =
                config(ModelPreset.SD15.unet(), UNet2DConditionConfig.class, UNet2DConditionConfig.DEFAULTS);
        assertThat(FlopCount.unet(unet, 32, 32, 77) / 1e9).isCloseTo(180.1, within(0.1));
        assertThat(FlopCount.unet(unet, 64, 64, 77) / 1e9).isCloseTo(803.3, within(0.1));
    }

    @Test
    void theOtherComponentsCountTheirProductsToo() {
        AutoencoderKLConfig vae =
                config(ModelPreset.SD15.vae(), AutoencoderKLConfig.class, AutoencoderKLConfig.DEFAULTS);
        ClipTextConfig text = config(ModelPreset.SD15.textEncoder(), ClipTextConfig.class, ClipTextConfig.DEFAULTS);
        ClipModelConfig clip = config(ModelPreset.SD15.scorer(), ClipModelConfig.class, ClipModelConfig.DEFAULTS);
        // SD's VAE decoder: about 1.26 TMAC at 512x512, a quarter of it at 256x256.
        assertThat(FlopCount.vaeDecoder(vae, 64, 64) / 1e12).isCloseTo(2.51, within(0.01));
        assertThat(FlopCount.vaeDecoder(vae, 32, 32) / 1e12).isCloseTo(0.62, within(0.01));
        // 12 layers over 77 tokens: 2 * 77 * 12 * (4 * 768^2 + 2 * 768 * 3072) plus attention.
        assertThat(FlopCount.clipText(text, 77) / 1e9).isCloseTo(13.3, within(0.1));
        // ViT-L/14 at 224 pixels: about 81 GMAC.
        assertThat(FlopCount.clipVision(clip.visionConfig()) / 1e9).isCloseTo(162.0, within(0.5));
    }

    private static <R> R config(String json, Class<R> type, R defaults) {
        return ConfigLoader.fromJson(Path.of("preset"), ModelPreset.json(json), type, defaults);
    }
}
