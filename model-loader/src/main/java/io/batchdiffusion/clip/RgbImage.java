package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * An 8-bit RGB image, pixels row-major with the three channels interleaved ({@code rgb[(y * width + x) * 3 +
 * c]}). The array is held, not copied.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null) {
            throw new IllegalArgumentException("image pixels are null");
        }
        long pixels = (long) width * height;
        if (rgb.length != pixels * 3) {
            String channels = rgb.length % pixels == 0 ? (rgb.length / pixels) + " channels" : "a partial pixel";
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs " + pixels * 3
                    + " bytes (3 channels, interleaved), got " + rgb.length + " (" + channels + ")");
        }
    }

    /** Channel {@code c} of pixel (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /**
     * Converts as PIL's {@code convert("RGB")} does: grey replicated into the three channels, alpha dropped
     * (not composited). Other colour models go through {@link BufferedImage#getRGB}, i.e. sRGB.
     */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[w * h * 3];
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // getRGB would map the linear grey colour space to sRGB; PIL copies the value.
            int[] grey = image.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < grey.length; i++) {
                rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = (byte) grey[i];
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                rgb[i * 3] = (byte) (argb[i] >> 16);
                rgb[i * 3 + 1] = (byte) (argb[i] >> 8);
                rgb[i * 3 + 2] = (byte) argb[i];
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /** From planar channel-first bytes [channels, height, width]; only 3 channels are accepted. */
    public static RgbImage fromChw(byte[] chw, int channels, int height, int width) {
        if (channels != 3) {
            throw new IllegalArgumentException("expected 3 channels (RGB), got " + channels);
        }
        if (width <= 0 || height <= 0 || chw.length != 3L * width * height) {
            throw new IllegalArgumentException("a [3, " + height + ", " + width + "] image needs "
                    + 3L * Math.max(0, width) * Math.max(0, height) + " bytes, got " + chw.length);
        }
        int plane = width * height;
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = chw[c * plane + i];
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Splits a uint8 [batch, height, width, 3] array (a pipeline's images after {@code * 255}, rounded). */
    public static List<RgbImage> fromBatch(NDArray images) {
        Shape s = images.getShape();
        if (images.getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException("images must be uint8, got " + images.getDataType());
        }
        if (s.dimension() != 4 || s.get(3) != 3) {
            throw new IllegalArgumentException("images must be [batch, height, width, 3] (RGB), got " + s);
        }
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        byte[] all = images.toByteArray();
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < s.get(0); i++) {
            byte[] one = new byte[w * h * 3];
            System.arraycopy(all, i * one.length, one, 0, one.length);
            out.add(new RgbImage(w, h, one));
        }
        return out;
    }
}
