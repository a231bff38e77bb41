package io.batchdiffusion.schedulers;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What the UNet predicts ({@code prediction_type}). */
enum PredictionType {
    /** The added noise. */
    EPSILON("epsilon"),
    /** The velocity alpha_t * eps - sigma_t * x_0 (Salimans and Ho 2022, section 2.4 of Imagen Video). */
    V_PREDICTION("v_prediction"),
    /** The clean sample x_0 itself. */
    SAMPLE("sample");

    private final String key;

    PredictionType(String key) {
        this.key = key;
    }

    /** Parses a config value, accepting only {@code supported} (what the scheduler implements). */
    static PredictionType parse(String value, String scheduler, PredictionType... supported) {
        for (PredictionType p : supported) {
            if (p.key.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException(scheduler + ": prediction_type '" + value + "' is not one of "
                + Arrays.stream(supported).map(p -> p.key).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return key;
    }
}
