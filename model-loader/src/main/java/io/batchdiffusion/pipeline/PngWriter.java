package io.batchdiffusion.pipeline;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes 8-bit RGB images as PNG with {@code tEXt} chunks. Written by hand rather than through
 * ImageIO so that the bytes are a pure function of the pixels and text (fixed filter, fixed deflate
 * level): the same render always yields the same object, which retries and resume rely on.
 */
public final class PngWriter {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngWriter() {}

    /**
     * @param rgb interleaved RGB bytes, row-major, {@code width * height * 3} long
     * @param text text chunks in order: {@code tEXt} when the value is Latin-1, else {@code iTXt} (UTF-8),
     *     the way PIL's {@code PngInfo.add_text} (and so AUTOMATIC1111) writes them
     */
    public static byte[] encode(int width, int height, byte[] rgb, Map<String, String> text) {
        if (width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException(
                    "RGB buffer of " + rgb.length + " bytes does not hold a " + width + "x" + height + " image");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2 + 1024);
        out.writeBytes(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13);
        header.putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", header.array());
        for (Map.Entry<String, String> e : text.entrySet()) {
            textChunk(out, e.getKey(), e.getValue());
        }
        chunk(out, "IDAT", deflate(filterRows(width, height, rgb)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void textChunk(ByteArrayOutputStream out, String key, String value) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)) {
            data.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
            chunk(out, "tEXt", data.toByteArray());
        } else {
            data.writeBytes(new byte[] {0, 0, 0, 0}); // uncompressed, no language tag, no translated keyword
            data.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            chunk(out, "iTXt", data.toByteArray());
        }
    }

    /** Filter type "Up" on every row but the first ("Sub"): cheap and compresses renders well. */
    private static byte[] filterRows(int width, int height, byte[] rgb) {
        int stride = width * 3;
        byte[] filtered = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++) {
            int in = y * stride;
            int out = y * (stride + 1);
            if (y == 0) {
                filtered[out] = 1; // Sub
                for (int x = 0; x < stride; x++) {
                    int left = x >= 3 ? rgb[in + x - 3] : 0;
                    filtered[out + 1 + x] = (byte) (rgb[in + x] - left);
                }
            } else {
                filtered[out] = 2; // Up
                for (int x = 0; x < stride; x++) {
                    filtered[out + 1 + x] = (byte) (rgb[in + x] - rgb[in + x - stride]);
                }
            }
        }
        return filtered;
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(6);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buffer = new byte[64 * 1024];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
