package io.batchdiffusion.jobs;

/** The final status of one render in the results table. */
public enum RenderStatus {
    /** Rendered (or found complete from an earlier attempt), written and scored. */
    OK,
    /** The row cannot be rendered as given (null prompt, NaN guidance, zero steps, bad size...): no model time spent. */
    INVALID_INPUT,
    /** Out of memory even in a batch of one. */
    OOM,
    /** The decoded image held NaN or infinite values, even after a full-precision re-decode; not written. */
    NAN_OUTPUT,
    /** Any other failure of this render; the message says what. */
    FAILED
}
