package io.batchdiffusion.weights;

import java.nio.file.Path;

/** A model file that is missing, malformed or does not fit the model's configuration. */
public final class InvalidModelFileException extends RuntimeException {

    private final transient Path file;

    public InvalidModelFileException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public InvalidModelFileException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file the problem was found in. */
    public Path file() {
        return file;
    }
}
