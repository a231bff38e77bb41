package io.batchdiffusion.weights;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes mutated safetensors files in memory from well-formed ones: byte-level damage (bit flips,
 * truncation, appended bytes, edited header lengths) and header-level lies (hostile numbers, dtypes,
 * names, nesting, duplicated or missing fields, spliced JSON), alone or stacked.
 */
final class SafeTensorsMutator {

    /** One tensor entry of a generated header. */
    record Entry(String name, String dtype, String shape, String offsets, String extra) {}

    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"};
    private static final int[] SIZES = {8, 4, 2, 2, 8, 4, 2, 1, 1, 1};

    private static final String[] HOSTILE_NUMBERS = {
        "-1",
        "0",
        "1",
        "2147483648",
        "4294967296",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "1e400",
        "1.5",
        "-0",
        "1E3",
        "\"1\"",
        "null",
        "true",
        "[]",
        "{}",
        "[1]",
        "0x10",
        "01",
        "NaN",
        "Infinity",
        "1" + "0".repeat(1200)
    };
    private static final String[] HOSTILE_DTYPES = {
        "\"f32\"",
        "\"F32 \"",
        "\"\"",
        "\"F8_E4M3\"",
        "\"F8_E5M2\"",
        "\"U16\"",
        "\"U32\"",
        "\"U64\"",
        "\"C64\"",
        "\"STR\"",
        "null",
        "32",
        "[\"F32\"]",
        "{\"F32\":1}",
        "\"F\\u0033\\u0032\"",
        "\"\\u0000\""
    };
    private static final String[] TOKENS = {
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u0000",
        "\\ud800",
        "\\udc00\\ud800",
        "null",
        "-",
        "1e9999",
        "\u0000",
        "\t",
        "\"__metadata__\"",
        "\"dtype\"",
        "\"shape\"",
        "\"data_offsets\"",
        "/*",
        "//",
        "'"
    };
    private static final byte[][] RAW_BYTES = {
        {(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}
    };
    private static final byte[] INTERESTING = {0, (byte) 0xFF, '"', '{', '}', ',', ':', '[', ']', '-', '9', ' ', '\\'};

    private final SplittableRandom random;

    SafeTensorsMutator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** A well-formed random file: 0 to 40 tensors of random dtypes and small shapes, optional metadata. */
    byte[] wellFormed() {
        int count = random.nextInt(41);
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < count; i++) {
            int t = random.nextInt(DTYPES.length);
            int rank = random.nextInt(5);
            long elements = 1;
            StringBuilder shape = new StringBuilder("[");
            for (int d = 0; d < rank; d++) {
                int dim = random.nextInt(5);
                elements *= dim;
                shape.append(d == 0 ? "" : ",").append(dim);
            }
            long bytes = elements * SIZES[t];
            entries.add(new Entry(
                    "down_blocks." + i + ".resnets." + random.nextInt(3) + ".conv1.weight",
                    "\"" + DTYPES[t] + "\"",
                    shape.append(']').toString(),
                    "[" + offset + "," + (offset + bytes) + "]",
                    null));
            offset += bytes;
        }
        String metadata = random.nextBoolean() ? "{\"format\":\"pt\"}" : null;
        return file(header(entries, metadata, random.nextBoolean()), offset);
    }

    /** A mutated file: one to three mutations stacked on a well-formed one. */
    byte[] mutated(StringBuilder applied) {
        byte[] file = wellFormed();
        int rounds = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
        for (int i = 0; i < rounds; i++) {
            int kind = random.nextInt(11);
            applied.append(i == 0 ? "" : "+").append(kind);
            file = switch (kind) {
                case 0 -> flipBits(file);
                case 1 -> setBytes(file);
                case 2 -> java.util.Arrays.copyOf(file, random.nextInt(file.length + 1));
                case 3 -> append(file, random.nextInt(1, 65));
                case 4 -> withHeaderLength(file, hostileLength(file));
                case 5 -> spliceHeader(file);
                case 6 -> hostileEntry();
                case 7 -> hostileShapeOrOffsets();
                case 8 -> rawBytesInHeader(file);
                case 9 -> rareGiant();
                default -> randomBytes();
            };
        }
        return file;
    }

    private byte[] flipBits(byte[] file) {
        byte[] out = file.clone();
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips && out.length > 0; i++) {
            int headerEnd = (int) Math.min(out.length, Math.max(8, 8 + declaredLength(out)));
            int at = random.nextInt(5) > 0 ? random.nextInt(Math.max(1, headerEnd)) : random.nextInt(out.length);
            at = Math.min(at, out.length - 1);
            out[at] ^= (byte) (1 << random.nextInt(8));
        }
        return out;
    }

    private byte[] setBytes(byte[] file) {
        byte[] out = file.clone();
        for (int i = random.nextInt(1, 5); i > 0 && out.length > 0; i--) {
            out[random.nextInt(out.length)] = INTERESTING[random.nextInt(INTERESTING.length)];
        }
        return out;
    }

    private byte[] append(byte[] file, int count) {
        byte[] out = java.util.Arrays.copyOf(file, file.length + count);
        for (int i = file.length; i < out.length; i++) {
            out[i] = (byte) random.nextInt(256);
        }
        return out;
    }

    private long hostileLength(byte[] file) {
        long actual = declaredLength(file);
        long[] choices = {
            random.nextLong(),
            actual + 1,
            actual - 1,
            actual + random.nextInt(-16, 17),
            0,
            1,
            2,
            SafeTensorsFile.MAX_HEADER_BYTES,
            SafeTensorsFile.MAX_HEADER_BYTES + 1,
            file.length - 8L,
            file.length - 7L,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            -1,
            (1L << 32) | actual,
            Integer.MAX_VALUE + 1L
        };
        return choices[random.nextInt(choices.length)];
    }

    /** Deletes, repeats or inserts a span of the header text; the length field follows, or not. */
    private byte[] spliceHeader(byte[] file) {
        if (file.length < 8) {
            return file;
        }
        int headerLength = (int) Math.min(Math.max(0, declaredLength(file)), file.length - 8);
        String json = new String(file, 8, headerLength, StandardCharsets.ISO_8859_1);
        int a = random.nextInt(json.length() + 1);
        int b = Math.min(json.length(), a + random.nextInt(1, 24));
        String edited =
                switch (random.nextInt(3)) {
                    case 0 -> json.substring(0, a) + json.substring(b);
                    case 1 -> json.substring(0, b) + json.substring(a, b) + json.substring(b);
                    default ->
                        json.substring(0, a) + utf8AsLatin1(TOKENS[random.nextInt(TOKENS.length)]) + json.substring(a);
                };
        byte[] header = edited.getBytes(StandardCharsets.ISO_8859_1);
        long data = file.length - 8L - headerLength;
        byte[] out = file(header, data);
        return random.nextInt(4) == 0 ? withHeaderLength(out, headerLength) : out;
    }

    private byte[] rawBytesInHeader(byte[] file) {
        if (file.length < 10) {
            return file;
        }
        int headerLength = (int) Math.min(Math.max(0, declaredLength(file)), file.length - 8);
        int at = 8 + random.nextInt(headerLength + 1);
        byte[] raw = RAW_BYTES[random.nextInt(RAW_BYTES.length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(file, 0, at);
        out.writeBytes(raw);
        out.write(file, at, file.length - at);
        return withHeaderLength(out.toByteArray(), headerLength + raw.length);
    }

    /** One entry with a hostile dtype, name, missing or repeated field, unknown field or nesting. */
    private byte[] hostileEntry() {
        String dtype = "\"F32\"";
        String shape = "[2]";
        String offsets = "[0,8]";
        String extra = null;
        String name = "w";
        switch (random.nextInt(8)) {
            case 0 -> dtype = HOSTILE_DTYPES[random.nextInt(HOSTILE_DTYPES.length)];
            case 1 -> name = "n".repeat(random.nextInt(1_000, 60_000));
            case 2 -> name = "../\u0000\u202e\n" + name;
            case 3 -> extra = "\"dtype\":\"F32\"";
            case 4 -> extra = "\"x\":" + "[".repeat(random.nextInt(10, 3_000)) + "]".repeat(random.nextInt(10, 3_000));
            case 5 -> shape = null;
            case 6 -> offsets = null;
            default -> extra = "\"shape\":[2]";
        }
        List<Entry> entries = new ArrayList<>(List.of(new Entry(name, dtype, shape, offsets, extra)));
        if (random.nextBoolean()) {
            entries.add(new Entry(random.nextBoolean() ? name : "v", "\"U8\"", "[1]", "[8,9]", null));
        }
        String metadata =
                switch (random.nextInt(5)) {
                    case 0 -> "[]";
                    case 1 -> "{\"k\":1}";
                    case 2 -> "{\"k\":\"a\",\"k\":\"b\"}";
                    case 3 -> "null";
                    default -> null;
                };
        return file(header(entries, metadata, random.nextBoolean()), 9);
    }

    /** Shapes and offsets with hostile numbers, overflowing products, overlaps, gaps and swaps. */
    private byte[] hostileShapeOrOffsets() {
        String a = HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)];
        String b = HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)];
        String[][] cases = {
            {"[" + a + "]", "[0,4]"},
            {"[1]", "[" + a + "," + b + "]"},
            {"[4294967296,4294967296,4294967296]", "[0,0]"},
            {"[3037000500,3037000500]", "[0,9223372036854775807]"},
            {"[2305843009213693952]", "[0,9223372036854775807]"},
            {"[1]", "[4,0]"},
            {"[1]", "[0,4,8]"},
            {"[1]", "[0]"},
            {"[" + "1,".repeat(random.nextInt(60, 70)) + "1]", "[0,4]"},
            {a, "[0,4]"},
        };
        String[] chosen = cases[random.nextInt(cases.length)];
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("a", "\"F32\"", chosen[0], chosen[1], null));
        if (random.nextBoolean()) {
            int start = random.nextInt(-2, 3) + 4;
            entries.add(new Entry("b", "\"U8\"", "[4]", "[" + start + "," + (start + 4) + "]", null));
        }
        return file(header(entries, null, false), random.nextInt(0, 12));
    }

    /** Rarely: a header with thousands of entries, or just over the tensor cap. */
    private byte[] rareGiant() {
        if (random.nextInt(1_000) != 0) {
            return wellFormed();
        }
        int count = random.nextBoolean() ? random.nextInt(1_000, 10_000) : SafeTensorsHeader.MAX_TENSORS + 1;
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(new Entry("t" + i, "\"U8\"", "[1]", "[" + i + "," + (i + 1) + "]", null));
        }
        return file(header(entries, null, false), count);
    }

    private byte[] randomBytes() {
        byte[] out = new byte[random.nextInt(0, 256)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) random.nextInt(256);
        }
        if (out.length >= 8 && random.nextBoolean()) {
            return withHeaderLength(out, out.length - 8);
        }
        return out;
    }

    static String header(List<Entry> entries, String metadata, boolean pad) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null) {
            json.append("\"__metadata__\":").append(metadata);
        }
        for (Entry e : entries) {
            json.append(json.length() > 1 ? "," : "")
                    .append('"')
                    .append(escape(e.name()))
                    .append("\":{");
            List<String> fields = new ArrayList<>();
            if (e.dtype() != null) {
                fields.add("\"dtype\":" + e.dtype());
            }
            if (e.shape() != null) {
                fields.add("\"shape\":" + e.shape());
            }
            if (e.offsets() != null) {
                fields.add("\"data_offsets\":" + e.offsets());
            }
            if (e.extra() != null) {
                fields.add(e.extra());
            }
            json.append(String.join(",", fields)).append('}');
        }
        json.append('}');
        while (pad && json.length() % 8 != 0) {
            json.append(' ');
        }
        return json.toString();
    }

    private static String escape(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static byte[] file(String header, long dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, long dataBytes) {
        int data = (int) Math.min(Math.max(0, dataBytes), 1 << 20);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (int i = 0; i < data; i++) {
            out.put((byte) i);
        }
        return out.array();
    }

    static byte[] withHeaderLength(byte[] file, long length) {
        if (file.length < 8) {
            return file;
        }
        byte[] out = file.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return out;
    }

    static long declaredLength(byte[] file) {
        return file.length < 8
                ? 0
                : ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static String utf8AsLatin1(String token) {
        return new String(token.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
