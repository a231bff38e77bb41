package io.batchdiffusion.jobs;

import io.batchdiffusion.schedulers.Schedulers;
import java.util.Optional;

/**
 * Checks of a catalogue row's own numbers made before they become a render task's ints: a width or
 * height of 0 would otherwise mean "the model's default size", and values outside the int range
 * would be clamped and reported with the clamped value instead of the row's.
 */
final class RowChecks {

    private RowChecks() {}

    /** The problem with a row's explicit {@code width} or {@code height}, if any. */
    static Optional<String> size(String column, Long value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value < 1 || value % 8 != 0) {
            return Optional.of(column + " " + value + " is not a positive multiple of 8");
        }
        if (value > Integer.MAX_VALUE) {
            return Optional.of(column + " " + value + " is above the configured maximum");
        }
        return Optional.empty();
    }

    /** An unknown scheduler name ({@code null}, the model's own, is always fine). */
    static Optional<String> scheduler(String name) {
        if (name == null || Schedulers.names().contains(name)) {
            return Optional.empty();
        }
        return Optional.of("scheduler '" + name + "' is unknown; use one of " + String.join(", ", Schedulers.names()));
    }

    /** The problem with a row's explicit step count when the task uses it (a sweep may override it). */
    static Optional<String> steps(Long value) {
        if (value != null && (value < 1 || value > 1000)) {
            return Optional.of("num_inference_steps " + value + " is outside [1, 1000]");
        }
        return Optional.empty();
    }
}
