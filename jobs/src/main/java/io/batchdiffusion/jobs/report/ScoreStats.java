package io.batchdiffusion.jobs.report;

import java.util.Collection;

/**
 * Mean of a set of scores with its two-sided 95% confidence interval from Student's t distribution
 * ({@code mean ± t(0.975, n-1) · s / √n}); with one score the interval is the point itself.
 */
record ScoreStats(int n, double mean, double low, double high) {

    /** t(0.975, df) for df = 1..30 (the usual table); larger df use the Cornish-Fisher expansion below. */
    private static final double[] T975 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
    };

    private static final double Z975 = 1.959964;

    static ScoreStats of(Collection<Double> scores) {
        int n = scores.size();
        if (n == 0) {
            throw new IllegalArgumentException("no scores to summarise");
        }
        double mean = scores.stream().mapToDouble(Double::doubleValue).sum() / n;
        if (n == 1) {
            return new ScoreStats(1, mean, mean, mean);
        }
        double squares =
                scores.stream().mapToDouble(s -> (s - mean) * (s - mean)).sum();
        double half = tQuantile975(n - 1) * Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
        return new ScoreStats(n, mean, mean - half, mean + half);
    }

    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        // Abramowitz & Stegun 26.7.5: error below 1e-4 from df = 30 on.
        double z = Z975;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        double z7 = z5 * z * z;
        return z
                + (z3 + z) / (4.0 * df)
                + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df)
                + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384.0 * df * df * df);
    }

    double halfWidth() {
        return (high - low) / 2;
    }
}
