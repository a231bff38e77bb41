package io.batchdiffusion.schedulers;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How inference timesteps are spread over the training timesteps ({@code timestep_spacing}); Table 2 of
 * Lin et al. 2023 (https://arxiv.org/abs/2305.08891).
 */
enum TimestepSpacing {
    LEADING("leading"),
    TRAILING("trailing"),
    LINSPACE("linspace");

    private final String key;

    TimestepSpacing(String key) {
        this.key = key;
    }

    static TimestepSpacing parse(String value) {
        for (TimestepSpacing s : values()) {
            if (s.key.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("timestep_spacing '" + value + "' is not one of "
                + Arrays.stream(values()).map(s -> s.key).collect(Collectors.joining(", ")));
    }

    /**
     * The descending timesteps DDIM, PNDM, Euler and LMS use (diffusers' {@code set_timesteps}):
     * leading {@code arange(n) * (T // n) + offset}, trailing {@code round(arange(T, 0, -T / n)) - 1},
     * linspace {@code linspace(0, T - 1, n)}, rounded only when {@code roundLinspace}.
     */
    double[] timesteps(int numTrainTimesteps, int n, int stepsOffset, boolean roundLinspace) {
        return switch (this) {
            case LEADING -> {
                int ratio = numTrainTimesteps / n;
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - 1 - i) * ratio + stepsOffset;
                }
                yield t;
            }
            case TRAILING -> {
                double[] t = NumpyOps.round(NumpyOps.arange(numTrainTimesteps, 0, -(double) numTrainTimesteps / n));
                for (int i = 0; i < t.length; i++) {
                    t[i] -= 1;
                }
                yield t;
            }
            case LINSPACE -> {
                double[] t = NumpyOps.linspace(0, numTrainTimesteps - 1, n, true);
                yield NumpyOps.reversed(roundLinspace ? NumpyOps.round(t) : t);
            }
        };
    }

    @Override
    public String toString() {
        return key;
    }
}
