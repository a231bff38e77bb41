package io.batchdiffusion.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The special tokens and length of a tokenizer folder, resolved as transformers 4.39's
 * {@code from_pretrained} does: {@code tokenizer_config.json} first; {@code special_tokens_map.json}
 * overrides it only for legacy configs without {@code added_tokens_decoder} (SD 2.x's tokenizer gets
 * its "!" pad token that way); CLIPTokenizer's defaults for whatever neither file names.
 *
 * @param addedTokensDecoder the config's {@code added_tokens_decoder}: id to token
 */
record TokenizerConfig(
        AddedToken bos,
        AddedToken eos,
        AddedToken unk,
        AddedToken pad,
        List<AddedToken> additionalSpecialTokens,
        Map<Integer, AddedToken> addedTokensDecoder,
        int modelMaxLength) {

    static final String CONFIG_FILE = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
    private static final int DEFAULT_MODEL_MAX_LENGTH = 77;
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerConfig.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static TokenizerConfig read(Path folder) {
        Path configFile = folder.resolve(CONFIG_FILE);
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        if (Files.isRegularFile(configFile)) {
            config = readObject(configFile);
        } else {
            LOG.warn("{} is missing: using CLIPTokenizer's defaults", configFile);
        }
        Map<Integer, AddedToken> decoder = readDecoder(configFile, config.get("added_tokens_decoder"));
        Path specialFile = folder.resolve(SPECIAL_TOKENS_FILE);
        ObjectNode legacy = JsonNodeFactory.instance.objectNode();
        if (!config.has("added_tokens_decoder") && Files.isRegularFile(specialFile)) {
            legacy = readObject(specialFile);
        }
        Sources sources = new Sources(configFile, config, specialFile, legacy, decoder);
        return new TokenizerConfig(
                sources.special("bos_token", "<|startoftext|>"),
                sources.special("eos_token", "<|endoftext|>"),
                sources.special("unk_token", "<|endoftext|>"),
                sources.special("pad_token", "<|endoftext|>"),
                sources.additional(),
                Map.copyOf(decoder),
                modelMaxLength(configFile, config.get("model_max_length")));
    }

    /** Every token the splitter must keep whole: the decoder's and the special ones. */
    List<AddedToken> addedTokens() {
        List<AddedToken> all = new ArrayList<>(addedTokensDecoder.values());
        all.addAll(List.of(bos, eos, unk, pad));
        all.addAll(additionalSpecialTokens);
        Map<String, AddedToken> byContent = new LinkedHashMap<>();
        all.forEach(t -> byContent.putIfAbsent(t.content(), t));
        return List.copyOf(byContent.values());
    }

    /** The two files a special token can come from; {@code legacy} is empty unless it applies. */
    private record Sources(
            Path configFile, ObjectNode config, Path legacyFile, ObjectNode legacy, Map<Integer, AddedToken> decoder) {

        AddedToken special(String key, String fallback) {
            Path file = legacy.has(key) ? legacyFile : configFile;
            JsonNode value = legacy.has(key) ? legacy.get(key) : config.get(key);
            if (value == null) {
                return withDecoderFlags(AddedToken.of(fallback));
            }
            if (value.isNull()) {
                throw new InvalidModelFileException(file, key + " is null: the CLIP tokenizer needs it");
            }
            return withDecoderFlags(token(file, key, value));
        }

        List<AddedToken> additional() {
            Map<String, AddedToken> tokens = new LinkedHashMap<>();
            for (Path file : List.of(configFile, legacyFile)) {
                JsonNode list = (file == configFile ? config : legacy).get("additional_special_tokens");
                if (list != null && list.isArray()) {
                    for (JsonNode item : list) {
                        AddedToken token = withDecoderFlags(token(file, "additional_special_tokens", item));
                        tokens.putIfAbsent(token.content(), token);
                    }
                }
            }
            return List.copyOf(tokens.values());
        }

        /** The decoder's entry for the same content wins, as transformers registers it first. */
        private AddedToken withDecoderFlags(AddedToken token) {
            for (AddedToken known : decoder.values()) {
                if (known.content().equals(token.content())) {
                    return known;
                }
            }
            return token;
        }
    }

    private static AddedToken token(Path file, String key, JsonNode value) {
        if (value.isTextual()) {
            return AddedToken.of(value.asText());
        }
        JsonNode content = value.get("content");
        if (!value.isObject() || content == null || !content.isTextual()) {
            throw new InvalidModelFileException(
                    file, key + " is neither a string nor an AddedToken object with a content: " + value);
        }
        return new AddedToken(
                content.asText(),
                value.path("lstrip").asBoolean(false),
                value.path("rstrip").asBoolean(false),
                value.path("single_word").asBoolean(false));
    }

    private static Map<Integer, AddedToken> readDecoder(Path file, JsonNode decoder) {
        Map<Integer, AddedToken> tokens = new LinkedHashMap<>();
        if (decoder == null) {
            return tokens;
        }
        if (!decoder.isObject()) {
            throw new InvalidModelFileException(file, "added_tokens_decoder is not an object of id -> token");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int id;
            try {
                id = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                throw new InvalidModelFileException(
                        file, "added_tokens_decoder key '" + entry.getKey() + "' is not a token id");
            }
            tokens.put(id, token(file, "added_tokens_decoder." + id, entry.getValue()));
        }
        return tokens;
    }

    private static int modelMaxLength(Path file, JsonNode value) {
        if (value == null || value.isNull()) {
            return DEFAULT_MODEL_MAX_LENGTH;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 2) {
            throw new InvalidModelFileException(
                    file, "model_max_length " + value + " is not a usable sequence length (an int >= 2)");
        }
        return value.intValue();
    }

    private static ObjectNode readObject(Path file) {
        try {
            JsonNode node = MAPPER.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new InvalidModelFileException(file, "is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new InvalidModelFileException(file, "is not valid JSON: " + e.getMessage(), e);
        }
    }
}
