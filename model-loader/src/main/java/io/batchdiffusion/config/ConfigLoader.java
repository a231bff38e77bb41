package io.batchdiffusion.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@code config.json} into a record whose components mirror its keys (camelCase in Java,
 * snake_case in JSON), with diffusers' {@code extract_init_dict} semantics: keys the record lacks are
 * logged and ignored, keys the file lacks take the record's defaults, {@code _}-prefixed bookkeeping
 * keys ({@code _class_name}, {@code _diffusers_version}) and transformers' file bookkeeping ({@code
 * architectures}, {@code model_type}, {@code torch_dtype}...) are skipped. An int where a list is expected
 * reads as a one-element list, as diffusers' per-block options allow.
 */
public final class ConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** Bookkeeping keys transformers writes into every config; they describe the file, not the model. */
    private static final java.util.Set<String> BOOKKEEPING =
            java.util.Set.of("architectures", "model_type", "torch_dtype", "transformers_version", "processor_class");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigLoader() {}

    /** Reads {@code file} over {@code defaults}. */
    public static <R> R load(Path file, Class<R> type, R defaults) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelFileException(file, "config file is missing");
        }
        JsonNode user;
        try {
            user = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "config is not valid JSON: " + e.getMessage(), e);
        }
        if (user == null || !user.isObject()) {
            throw new InvalidModelFileException(file, "config is not a JSON object");
        }
        return fromJson(file, (ObjectNode) user, type, defaults);
    }

    /** Reads an already-parsed object over {@code defaults}; {@code source} names it in messages. */
    public static <R> R fromJson(Path source, ObjectNode user, Class<R> type, R defaults) {
        ObjectNode merged = MAPPER.valueToTree(defaults);
        List<String> ignored = new ArrayList<>();
        List<String> defaulted = new ArrayList<>();
        merge(merged, user, "", ignored, defaulted);
        if (!ignored.isEmpty()) {
            LOG.warn("{}: ignoring keys {} that {} does not use", source, ignored, type.getSimpleName());
        }
        if (!defaulted.isEmpty()) {
            LOG.debug("{}: keys {} take their defaults", source, defaulted);
        }
        try {
            return MAPPER.treeToValue(merged, type);
        } catch (IOException e) {
            throw new InvalidModelFileException(
                    source, "config does not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static void merge(
            ObjectNode into, ObjectNode user, String path, List<String> ignored, List<String> defaulted) {
        for (Iterator<String> it = into.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!user.has(key)) {
                defaulted.add(path + key);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = user.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            if (key.startsWith("_") || BOOKKEEPING.contains(key)) {
                continue;
            }
            JsonNode known = into.get(key);
            if (known == null && !into.has(key)) {
                ignored.add(path + key);
            } else if (known != null && known.isObject() && field.getValue().isObject()) {
                merge((ObjectNode) known, (ObjectNode) field.getValue(), path + key + ".", ignored, defaulted);
            } else {
                into.set(key, field.getValue());
            }
        }
    }

    /** The JSON form of a config record, as {@code save_pretrained} writes it. */
    public static ObjectNode toJson(Object config, String className) {
        ObjectNode node = MAPPER.createObjectNode();
        if (className != null) {
            node.put("_class_name", className);
        }
        node.setAll((ObjectNode) MAPPER.valueToTree(config));
        return node;
    }

    public static void write(Path file, Object config, String className) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            MAPPER.writeValue(file.toFile(), toJson(config, className));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The shared mapper, for callers reading auxiliary JSON with the same conventions. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
