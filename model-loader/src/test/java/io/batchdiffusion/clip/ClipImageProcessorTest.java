package io.batchdiffusion.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.testing.Tensors;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden images are 32x32 uint8, upscaled by Pillow's bicubic to 224 (see {@link PilResampleTest} for
 * the filter's byte parity, including downscales); the golden pixel_values come from transformers 4.39.
 */
class ClipImageProcessorTest {

    private final ClipImageProcessor processor =
            ClipImageProcessor.load(Fixtures.tinySdA().resolve("clip-scorer/preprocessor_config.json"));

    @Test
    void matchesTransformersPixelValuesForTheGoldenImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensorsFile golden = Fixtures.golden("clip_score.safetensors");
            List<RgbImage> images = goldenImages(Fixtures.load(golden, "images_uint8", m));
            NDArray pixels = processor.preprocess(images, m);
            Tensors.assertClose(
                    "pixel_values from images_uint8", pixels, Fixtures.load(golden, "pixel_values", m), 1e-3);
            assertThat(pixels.getManager()).isSameAs(m);
        }
    }

    @Test
    void readsTheConfigWithTransformersDefaultsAndLegacyIntSizes(@TempDir Path tmp) throws IOException {
        ClipImageProcessorConfig c = processor.config();
        assertThat(c.size().shortestEdge()).isEqualTo(224);
        assertThat(c.cropSize().height()).isEqualTo(224);
        assertThat(c.resample()).isEqualTo(3);
        Path legacy = tmp.resolve("preprocessor_config.json");
        Files.writeString(
                legacy, "{\"size\": 256, \"crop_size\": 240, \"feature_extractor_type\": \"CLIPFeatureExtractor\"}");
        ClipImageProcessorConfig read = ClipImageProcessorConfig.load(legacy);
        assertThat(read.size()).isEqualTo(new ClipImageProcessorConfig.SizeDict(256, null, null));
        assertThat(read.cropSize()).isEqualTo(new ClipImageProcessorConfig.SizeDict(null, 240, 240));
        assertThat(read.imageMean()).isEqualTo(ClipImageProcessorConfig.DEFAULTS.imageMean());
    }

    @Test
    void resizesTheShortestEdgeAndTruncatesTheLongOneAsTransformersDoes() {
        assertThat(processor.resizeOutputSize(200, 300)).containsExactly(224, 336);
        assertThat(processor.resizeOutputSize(301, 199)).containsExactly(338, 224); // int(224 * 301 / 199) = 338
        assertThat(processor.resizeOutputSize(32, 32)).containsExactly(224, 224);
    }

    @Test
    void centreCropsWithFloorOffsetsAndPadsASmallImageWithZeros() {
        RgbImage wide = new RgbImage(5, 2, PilResampleTest.pattern(5, 2));
        RgbImage cropped = ClipImageProcessor.centerCrop(wide, 2, 2);
        assertThat(cropped.at(0, 0, 0)).isEqualTo(wide.at(1, 0, 0)); // (5 - 2) // 2 = 1
        RgbImage padded = ClipImageProcessor.centerCrop(new RgbImage(1, 1, new byte[] {9, 9, 9}), 4, 3);
        assertThat(padded.width()).isEqualTo(3);
        assertThat(padded.height()).isEqualTo(4);
        assertThat(padded.at(1, 2, 0)).isEqualTo(9); // padding rounded up: 2 rows above, 1 column left
        assertThat(padded.at(0, 0, 0)).isZero();
    }

    @Test
    void preprocessesAnyImageSizeToTheCropSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<RgbImage> images = List.of(
                    new RgbImage(300, 200, PilResampleTest.pattern(300, 200)),
                    new RgbImage(17, 40, PilResampleTest.pattern(17, 40)));
            assertThat(processor.preprocess(images, m).getShape()).isEqualTo(new Shape(2, 3, 224, 224));
        }
    }

    @Test
    void rejectsImagesWithTheWrongChannelCountOrNoPixels() {
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[16]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 channels");
        assertThatThrownBy(() -> new RgbImage(0, 32, new byte[0])).hasMessageContaining("must be positive, got 0x32");
        assertThatThrownBy(() -> RgbImage.fromChw(new byte[4], 1, 2, 2)).hasMessageContaining("expected 3 channels");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray rgba = m.zeros(new Shape(1, 4, 4, 4), ai.djl.ndarray.types.DataType.UINT8);
            assertThatThrownBy(() -> RgbImage.fromBatch(rgba)).hasMessageContaining("[batch, height, width, 3]");
            NDArray empty = m.zeros(new Shape(1, 0, 4, 3), ai.djl.ndarray.types.DataType.UINT8);
            assertThatThrownBy(() -> RgbImage.fromBatch(empty)).hasMessageContaining("must be positive");
        }
    }

    @Test
    void convertsBufferedImagesAsPillowConvertsToRgb() {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 0, 0, 100);
        RgbImage fromGrey = RgbImage.of(grey);
        assertThat(new int[] {fromGrey.at(1, 0, 0), fromGrey.at(1, 0, 1), fromGrey.at(1, 0, 2)})
                .containsExactly(100, 100, 100);
        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10_20_30_40);
        RgbImage fromArgb = RgbImage.of(argb);
        assertThat(new int[] {fromArgb.at(0, 0, 0), fromArgb.at(0, 0, 1), fromArgb.at(0, 0, 2)})
                .containsExactly(0x20, 0x30, 0x40);
    }

    /** The golden's float32 NCHW integer values as RgbImages. */
    static List<RgbImage> goldenImages(NDArray nchw) {
        Shape s = nchw.getShape();
        int plane = (int) (s.get(1) * s.get(2) * s.get(3));
        float[] values = nchw.toFloatArray();
        List<RgbImage> images = new ArrayList<>();
        for (int n = 0; n < s.get(0); n++) {
            byte[] chw = new byte[plane];
            for (int i = 0; i < plane; i++) {
                chw[i] = (byte) Math.round(values[n * plane + i]);
            }
            images.add(RgbImage.fromChw(chw, (int) s.get(1), (int) s.get(2), (int) s.get(3)));
        }
        return images;
    }
}
