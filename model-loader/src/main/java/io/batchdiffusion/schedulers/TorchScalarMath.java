package io.batchdiffusion.schedulers;

/**
 * float32 {@code log} and {@code exp} as torch computes them on CPU tensors: through SLEEF's vectorised
 * {@code Sleef_logf8_u10} / {@code Sleef_expf8_u10} with fused multiply-adds (the AVX2 kernels), not the
 * correctly rounded libm results. DPM-Solver's step sizes h = lambda_t - lambda_s are differences of such
 * logs, and one-ulp differences there move its samples by ~1e-5, so the schedulers use these instead of
 * {@link Math#log} and {@link Math#exp}. Normal positive inputs only need the main path; zero, infinity
 * and NaN follow SLEEF's special cases.
 */
final class TorchScalarMath {

    private static final float LN2_HI = 0.69314718246459960938f;
    private static final float LN2_LO = -1.904654323148236017e-09f;
    private static final float L2U = 0.693145751953125f;
    private static final float L2L = 1.428606765330187045e-06f;
    private static final float R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;

    private TorchScalarMath() {}

    /** SLEEF xlogf_u1: log(m) + e ln 2 with m in [0.75, 1.5), via atanh series in double-float. */
    static float log(float d) {
        if (Float.isNaN(d) || d < 0) {
            return Float.NaN;
        }
        if (d == 0) {
            return Float.NEGATIVE_INFINITY;
        }
        if (d == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        int scaleDown = 0;
        if (d < Float.MIN_NORMAL) {
            d *= 0x1p64f;
            scaleDown = 64;
        }
        int e = ((Float.floatToRawIntBits(d * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) - (e << 23));
        e -= scaleDown;

        // s = ln2 * e in double-float
        float fe = e;
        float sx = LN2_HI * fe;
        float sy = Math.fma(LN2_LO, fe, Math.fma(LN2_HI, fe, -sx));

        // x = (m - 1) / (m + 1) in double-float
        float[] num = add2(-1f, m);
        float[] den = add2(1f, m);
        float t0 = 1f / den[0];
        float qx = num[0] * t0;
        float u = Math.fma(t0, num[0], -qx);
        float qy = Math.fma(-den[1], t0, Math.fma(-den[0], t0, 1f));
        qy = Math.fma(qx, qy, Math.fma(num[1], t0, u));

        float x2 = qx * qx;
        float t = 0.3027294874e+0f;
        t = Math.fma(t, x2, 0.3996108174e+0f);
        t = Math.fma(t, x2, 0.6666694880e+0f);

        // s += 2x (double-float add), then s += x^3 t
        float yx = qx * 2f;
        float yy = qy * 2f;
        float rx = sx + yx;
        float ry = (((sx - rx) + yx) + sy) + yy;
        float z = (x2 * qx) * t;
        float r2x = rx + z;
        float r2y = ((rx - r2x) + z) + ry;
        return r2x + r2y;
    }

    /** SLEEF xexpf: e^d = 2^q e^s with s = d - q ln 2 reduced in two parts and a degree-6 polynomial. */
    static float exp(float d) {
        if (Float.isNaN(d)) {
            return Float.NaN;
        }
        if (d < -104f) {
            return 0f;
        }
        if (d > 100f) {
            return Float.POSITIVE_INFINITY;
        }
        int q = (int) Math.rint(d * R_LN2);
        float s = Math.fma(q, -L2U, d);
        s = Math.fma(q, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1.0f + Math.fma(s * s, u, s);
        return u * Math.scalb(1f, q >> 1) * Math.scalb(1f, q - (q >> 1));
    }

    /** SLEEF dfadd2_vf2_vf_vf: x + y as an unevaluated (hi, lo) pair. */
    private static float[] add2(float x, float y) {
        float rx = x + y;
        float v = rx - x;
        return new float[] {rx, (x - (rx - v)) + (y - v)};
    }
}
