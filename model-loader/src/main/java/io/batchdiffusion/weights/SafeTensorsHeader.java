package io.batchdiffusion.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file, parsed as a token stream so a hostile header costs memory in
 * proportion to the entries it declares (capped), never a document tree or a copy of its text. Every
 * problem is an {@link InvalidModelFileException}; names quoted in messages are escaped and shortened,
 * so a header cannot forge log lines or flood them.
 */
final class SafeTensorsHeader {

    /** Far above any real model (Stable Diffusion's UNet has about 700 tensors per file). */
    static final int MAX_TENSORS = 100_000;

    /** Rank cap: real tensors have at most a handful of dimensions. */
    static final int MAX_RANK = 64;

    private static final int MAX_QUOTED_CHARS = 120;

    // No field-name symbol table: a header of crafted colliding names would otherwise make Jackson
    // throw its own (unchecked) hash-flooding error, and interning would keep hostile names alive.
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    private SafeTensorsHeader() {}

    static SafeTensorsFile parse(Path path, ByteBuffer header, long dataStart, long dataLength) {
        checkUtf8(path, header);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = null;
        try (JsonParser p =
                JSON.createParser(header.array(), header.arrayOffset() + header.position(), header.remaining())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidModelFileException(path, "header is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("__metadata__")) {
                    if (metadata != null) {
                        throw new InvalidModelFileException(path, "header has two __metadata__ entries");
                    }
                    metadata = readMetadata(path, p);
                } else {
                    if (tensors.containsKey(name)) {
                        throw new InvalidModelFileException(path, "duplicate tensor name " + quote(name));
                    }
                    if (tensors.size() == MAX_TENSORS) {
                        throw new InvalidModelFileException(path, "header declares over " + MAX_TENSORS + " tensors");
                    }
                    tensors.put(name, readTensor(path, name, p));
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidModelFileException(path, "header has content after its JSON object");
            }
        } catch (JsonProcessingException e) { // malformed, or past Jackson's limits on nesting and lengths
            JsonLocation at = e.getLocation();
            throw new InvalidModelFileException(
                    path,
                    "header is not valid JSON: " + shorten(e.getOriginalMessage())
                            + (at == null ? "" : " (byte " + (8 + at.getByteOffset()) + ")"));
        } catch (IOException e) {
            throw new InvalidModelFileException(path, "header is not valid JSON: " + shorten(e.getMessage()));
        }
        checkTiling(path, tensors.values(), dataLength);
        return SafeTensorsFile.of(
                path,
                dataStart,
                Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata == null ? Map.of() : metadata));
    }

    /** Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), decoded in small chunks. */
    private static void checkUtf8(Path path, ByteBuffer header) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = header.duplicate();
        CharBuffer out = CharBuffer.allocate(4096);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
        } while (result.isOverflow());
        if (result.isError()) {
            throw new InvalidModelFileException(
                    path, "header is not valid UTF-8 (byte " + (8 + in.position() - header.position()) + ")");
        }
    }

    private static Map<String, String> readMetadata(Path path, JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidModelFileException(path, "__metadata__ is not an object");
        }
        Map<String, String> values = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new InvalidModelFileException(path, "__metadata__ value " + quote(key) + " is not a string");
            }
            if (values.put(key, p.getText()) != null) {
                throw new InvalidModelFileException(path, "__metadata__ has two values for " + quote(key));
            }
        }
        return values;
    }

    private static TensorInfo readTensor(Path path, String name, JsonParser p) throws IOException {
        String where = "tensor " + quote(name) + ": ";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidModelFileException(path, where + "entry is not an object");
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (dtype != null || value != JsonToken.VALUE_STRING) {
                        throw new InvalidModelFileException(path, where + "dtype is repeated or not a string");
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = readLongs(path, where + "shape", p, shape, -1);
                case "data_offsets" -> offsets = readLongs(path, where + "data_offsets", p, offsets, 2);
                default -> p.skipChildren(); // unknown fields are ignored, as the reference reader does
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw new InvalidModelFileException(
                    path, where + "missing " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        String dtypeName = dtype;
        StorageType type = StorageType.parse(dtype)
                .orElseThrow(() -> new InvalidModelFileException(path, where + "unknown dtype " + quote(dtypeName)));
        long expected;
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            expected = Math.multiplyExact(elements, type.bytes());
        } catch (ArithmeticException e) {
            throw new InvalidModelFileException(
                    path, where + "shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != expected) {
            throw new InvalidModelFileException(
                    path,
                    where + "byte range [" + offsets[0] + ", " + offsets[1] + ") does not hold shape "
                            + Arrays.toString(shape) + " of " + type + " (" + expected + " bytes)");
        }
        return new TensorInfo(name, type, shape, offsets[0], offsets[1]);
    }

    private static long[] readLongs(Path path, String what, JsonParser p, long[] previous, int requiredLength)
            throws IOException {
        if (previous != null) {
            throw new InvalidModelFileException(path, what + " is repeated");
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidModelFileException(path, what + " is not an array");
        }
        long[] values = new long[Math.max(requiredLength, 4)];
        int count = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (count == MAX_RANK) {
                throw new InvalidModelFileException(path, what + " has over " + MAX_RANK + " entries");
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                throw new InvalidModelFileException(
                        path, what + " holds " + quote(p.getText()) + ", not a non-negative 64-bit integer");
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[count++] = p.getLongValue();
        }
        if (requiredLength >= 0 && count != requiredLength) {
            throw new InvalidModelFileException(path, what + " has " + count + " entries, not " + requiredLength);
        }
        return Arrays.copyOf(values, count);
    }

    private static void checkTiling(Path path, Iterable<TensorInfo> infos, long dataLength) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        for (TensorInfo info : sorted) {
            if (info.begin() < cursor) {
                throw new InvalidModelFileException(
                        path,
                        "tensor " + quote(info.name()) + " overlaps the tensor before it at byte " + info.begin());
            }
            if (info.begin() > cursor) {
                throw new InvalidModelFileException(
                        path, "gap of " + (info.begin() - cursor) + " bytes before tensor " + quote(info.name()));
            }
            if (info.end() > dataLength) {
                throw new InvalidModelFileException(
                        path,
                        "tensor " + quote(info.name()) + " ends at byte " + info.end() + ", past the data section of "
                                + dataLength + " bytes");
            }
            cursor = info.end();
        }
        if (cursor != dataLength) {
            throw new InvalidModelFileException(path, (dataLength - cursor) + " trailing bytes after the last tensor");
        }
    }

    /** A header string for a message: single-quoted, control characters escaped, at most ~120 chars. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("'");
        int limit = Math.min(text.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\'' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('\'');
        if (text.length() > limit) {
            sb.append("... (").append(text.length()).append(" chars)");
        }
        return sb.toString();
    }

    private static String shorten(String message) {
        String oneLine = String.valueOf(message).replaceAll("\\s+", " ");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
