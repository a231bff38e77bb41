package io.batchdiffusion.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.weights.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A fixture folder in the reference format: a diffusers model, an optional CLIP scorer, and goldens
 * ({@code meta.json} plus one safetensors file per component) made by the reference implementations.
 */
record GoldenFixture(Path model, Path goldens, Path scorer, JsonNode meta, NDManager manager) {

    static GoldenFixture open(Path model, Path goldens, Path scorer, NDManager manager) {
        Path metaFile = goldens.resolve("meta.json");
        try {
            // numpy writes -Infinity/NaN into meta.json (e.g. sigma tables); JSON proper has no such numbers.
            JsonNode meta = Files.isRegularFile(metaFile)
                    ? new ObjectMapper(JsonFactory.builder()
                                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                                    .build())
                            .readTree(metaFile.toFile())
                    : ConfigLoader.mapper().createObjectNode();
            return new GoldenFixture(model, goldens, scorer, meta, manager);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metaFile, e);
        }
    }

    /** A golden file, if the fixture has it. */
    Optional<SafeTensorsFile> golden(String fileName) {
        Path file = goldens.resolve(fileName);
        return Files.isRegularFile(file) ? Optional.of(SafeTensorsFile.open(file)) : Optional.empty();
    }

    /** A golden tensor, floats as float32, integers as stored, in {@code into}. */
    static NDArray tensor(SafeTensorsFile file, String name, NDManager into) {
        return file.load(name, into, DataType.FLOAT32);
    }
}
