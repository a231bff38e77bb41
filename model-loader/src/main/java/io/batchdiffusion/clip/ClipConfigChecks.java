package io.batchdiffusion.clip;

import io.batchdiffusion.weights.InvalidModelFileException;
import java.nio.file.Path;

/** Config checks shared by the text and vision towers, failing with the file and key. */
final class ClipConfigChecks {

    private ClipConfigChecks() {}

    static void positive(Path source, String key, long value) {
        if (value <= 0) {
            throw new InvalidModelFileException(source, key + " must be positive, got " + value);
        }
    }

    static void transformer(Path source, String prefix, int hidden, int intermediate, int layers, int heads) {
        positive(source, prefix + "hidden_size", hidden);
        positive(source, prefix + "intermediate_size", intermediate);
        positive(source, prefix + "num_hidden_layers", layers);
        positive(source, prefix + "num_attention_heads", heads);
        if (hidden % heads != 0) {
            throw new InvalidModelFileException(
                    source,
                    prefix + "hidden_size " + hidden + " is not divisible by " + prefix + "num_attention_heads "
                            + heads);
        }
    }
}
