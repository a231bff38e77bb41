package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code CLIPImageProcessor} on 8-bit RGB images: resize with Pillow's filter so the shortest
 * edge is {@code size.shortest_edge} (or to {@code size.height x width}), centre crop to {@code crop_size}
 * (zero-padding an image smaller than the crop), rescale, normalise, channels first.
 */
public final class ClipImageProcessor {

    private final ClipImageProcessorConfig config;

    public ClipImageProcessor(ClipImageProcessorConfig config) {
        this.config = config.validated(Path.of("preprocessor_config.json"));
    }

    /** Reads {@code preprocessor_config.json}. */
    public static ClipImageProcessor load(Path preprocessorConfigJson) {
        return new ClipImageProcessor(ClipImageProcessorConfig.load(preprocessorConfigJson));
    }

    public ClipImageProcessorConfig config() {
        return config;
    }

    /** {@code pixel_values}: float32 [images, 3, height, width], created in {@code manager}. */
    public NDArray preprocess(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to preprocess");
        }
        RgbImage first = resizeAndCrop(images.get(0));
        int plane = first.width() * first.height();
        float[] values = new float[images.size() * 3 * plane];
        for (int i = 0; i < images.size(); i++) {
            RgbImage image = i == 0 ? first : resizeAndCrop(images.get(i));
            if (image.width() != first.width() || image.height() != first.height()) {
                throw new IllegalArgumentException("image " + i + " preprocesses to " + image.width() + "x"
                        + image.height() + " but image 0 to " + first.width() + "x" + first.height()
                        + "; without a centre crop a batch needs equal sizes");
            }
            writeChannelsFirst(image, values, i * 3 * plane);
        }
        return manager.create(values, new Shape(images.size(), 3, first.height(), first.width()));
    }

    /** The uint8 stages: resize, then centre crop. */
    RgbImage resizeAndCrop(RgbImage image) {
        RgbImage out = image;
        if (config.doResize()) {
            int[] hw = resizeOutputSize(image.height(), image.width());
            PilResample.Filter filter = PilResample.Filter.fromPil(config.resample(), "resample");
            byte[] resized = PilResample.resize(image.rgb(), image.width(), image.height(), hw[1], hw[0], filter);
            out = new RgbImage(hw[1], hw[0], resized);
        }
        if (config.doCenterCrop()) {
            out = centerCrop(out, config.cropSize().height(), config.cropSize().width());
        }
        return out;
    }

    /** (height, width) after resizing: {@code get_resize_output_image_size(default_to_square=False)}. */
    int[] resizeOutputSize(int height, int width) {
        ClipImageProcessorConfig.SizeDict size = config.size();
        if (size.shortestEdge() == null) {
            return new int[] {size.height(), size.width()};
        }
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        int newShort = size.shortestEdge();
        int newLong = (int) ((double) newShort * longSide / shortSide); // Python int() of a true division
        return width <= height ? new int[] {newLong, newShort} : new int[] {newShort, newLong};
    }

    /**
     * {@code image_transforms.center_crop}: the window starts at {@code floor((size - crop) / 2)}; where it
     * extends past a too small image, the image is centred on zeros (padding rounded up, which keeps the
     * window exactly the crop size), so those pixels are 0.
     */
    static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        if (cropHeight == image.height() && cropWidth == image.width()) {
            return image;
        }
        int top = Math.floorDiv(image.height() - cropHeight, 2);
        int left = Math.floorDiv(image.width() - cropWidth, 2);
        int firstCol = Math.max(0, -left);
        int cols = Math.min(cropWidth, image.width() - left) - firstCol;
        byte[] out = new byte[cropHeight * cropWidth * 3];
        for (int y = Math.max(0, -top); y < Math.min(cropHeight, image.height() - top); y++) {
            System.arraycopy(
                    image.rgb(),
                    ((top + y) * image.width() + left + firstCol) * 3,
                    out,
                    (y * cropWidth + firstCol) * 3,
                    cols * 3);
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /**
     * Rescale as numpy does it ({@code uint8 * scale} in float64, then float32), normalise in float32
     * ({@code (x - float32(mean)) / float32(std)}).
     */
    private void writeChannelsFirst(RgbImage image, float[] out, int offset) {
        int plane = image.width() * image.height();
        byte[] rgb = image.rgb();
        for (int c = 0; c < 3; c++) {
            float mean = (float) pick(config.imageMean(), c);
            float std = (float) pick(config.imageStd(), c);
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                int u = rgb[i * 3 + c] & 0xFF;
                float v = config.doRescale() ? (float) (u * config.rescaleFactor()) : u;
                out[base + i] = config.doNormalize() ? (v - mean) / std : v;
            }
        }
    }

    private static double pick(List<Double> values, int channel) {
        return values.size() == 1 ? values.get(0) : values.get(channel);
    }
}
