package io.batchdiffusion.clip;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB ({@code ImagingResample} in {@code libImaging/Resample.c}),
 * reproduced to the bit: a horizontal then a vertical separable pass. Each output pixel's filter is
 * centred on the input at {@code (i + 0.5) * scale}; on downscale the filter's support is stretched by the
 * scale (antialiasing), on upscale it is the plain kernel. Weights are normalised to sum 1 in double,
 * then turned into 22-bit fixed point; each pass accumulates in int from a rounding bias of 2^21 and
 * clips to 0..255, so the intermediate image is uint8 as in Pillow.
 */
final class PilResample {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResample() {}

    /** Pillow's resampling filters by their {@code Image.Resampling} numbers (NEAREST is another algorithm). */
    enum Filter {
        LANCZOS(1, 3.0),
        BILINEAR(2, 1.0),
        BICUBIC(3, 2.0),
        BOX(4, 0.5),
        HAMMING(5, 1.0);

        final int pilCode;
        final double support;

        Filter(int pilCode, double support) {
            this.pilCode = pilCode;
            this.support = support;
        }

        static Filter fromPil(int code, String where) {
            for (Filter f : values()) {
                if (f.pilCode == code) {
                    return f;
                }
            }
            throw new IllegalArgumentException(where + ": unsupported resample " + code
                    + " (supported: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING)");
        }

        double weight(double x) {
            return switch (this) {
                case BOX -> x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR -> Math.abs(x) < 1.0 ? 1.0 - Math.abs(x) : 0.0;
                case HAMMING -> hamming(Math.abs(x));
                case BICUBIC -> bicubic(Math.abs(x));
                case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            };
        }

        /** Keys' cubic convolution with a = -0.5. */
        private static double bicubic(double x) {
            double a = -0.5;
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }

        private static double hamming(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            if (x >= 1.0) {
                return 0.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px * (0.54f + 0.46f * Math.cos(px)); // float constants, as in Pillow
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px;
        }
    }

    /** Resizes interleaved RGB {@code [height][width][3]} to {@code outWidth x outHeight}. */
    static byte[] resize(byte[] rgb, int width, int height, int outWidth, int outHeight, Filter filter) {
        byte[] current = rgb;
        int currentWidth = width;
        if (outWidth != width) {
            current = pass(current, height, width, outWidth, 3, 3 * width, filter);
            currentWidth = outWidth;
        }
        if (outHeight != height) {
            // A vertical pass is the same 1-D resampling with rows as the samples: stride one row.
            current = pass(current, 1, height, outHeight, 3 * currentWidth, 3 * currentWidth * height, filter);
        }
        return current == rgb ? rgb.clone() : current;
    }

    /**
     * One separable pass. Along the resampled axis each sample is a {@code group} of bytes (3 for a pixel
     * in a row, a whole row for the vertical pass); {@code lines} independent lines of {@code lineBytes}.
     */
    private static byte[] pass(byte[] in, int lines, int inSize, int outSize, int group, int lineBytes, Filter f) {
        Coefficients k = Coefficients.of(inSize, outSize, f);
        int outLineBytes = outSize * group;
        byte[] out = new byte[lines * outLineBytes];
        for (int line = 0; line < lines; line++) {
            int inBase = line * lineBytes;
            int outBase = line * outLineBytes;
            for (int o = 0; o < outSize; o++) {
                int first = k.first[o];
                int count = k.count[o];
                int kBase = o * k.size;
                for (int b = 0; b < group; b++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < count; i++) {
                        ss += (in[inBase + (first + i) * group + b] & 0xFF) * k.weights[kBase + i];
                    }
                    out[outBase + o * group + b] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** {@code precompute_coeffs} then {@code normalize_coeffs_8bpc}. */
    private record Coefficients(int size, int[] first, int[] count, int[] weights) {

        static Coefficients of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[outSize * size];
            double[] k = new double[size];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int n = Math.min(inSize, (int) (center + support + 0.5)) - min;
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    k[i] = filter.weight((i + min - center + 0.5) * ss);
                    sum += k[i];
                }
                for (int i = 0; i < n; i++) {
                    double w = sum != 0.0 ? k[i] / sum : k[i];
                    weights[o * size + i] =
                            (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[o] = min;
                count[o] = n;
            }
            return new Coefficients(size, first, count, weights);
        }
    }
}
