package io.batchdiffusion.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy's {@code unescape_html}: decodes {@code &name;} (the HTML5 names written with a semicolon, and
 * upper-cased forms of the lower-case ones) and {@code &#N;} / {@code &#xH;} character references.
 * Unlike Python's {@code html.unescape} it leaves entities without a semicolon ({@code &amp}) alone.
 */
final class HtmlEntities {

    private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern DECIMAL = Pattern.compile("&#([0-9]+);");
    private static final Pattern HEX = Pattern.compile("&#[xX]([0-9a-fA-F]+);");
    private static final String RESOURCE = "html-entities.tsv";

    private HtmlEntities() {}

    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start()).append(decode(m.group()));
            last = m.end();
        }
        return out.append(text, last, text.length()).toString();
    }

    private static String decode(String entity) {
        if (!entity.startsWith("&#")) {
            String named = Named.TABLE.get(entity.substring(1, entity.length() - 1));
            return named != null ? named : entity;
        }
        // ftfy hands "&#...;" to html.unescape and keeps the result only if the whole reference,
        // semicolon included, was consumed: i.e. for all-digit decimal or all-hex hexadecimal forms.
        Matcher decimal = DECIMAL.matcher(entity);
        if (decimal.matches()) {
            return charRef(parse(decimal.group(1), 10));
        }
        Matcher hex = HEX.matcher(entity);
        return hex.matches() ? charRef(parse(hex.group(1), 16)) : entity;
    }

    /** Digits to a code point, saturating just above the Unicode range. */
    private static int parse(String digits, int radix) {
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            value = Math.min(value * radix + Character.digit(digits.charAt(i), radix), 0x110000);
        }
        return (int) value;
    }

    /** Python's {@code html._replace_charref} for a numeric reference. */
    private static String charRef(int cp) {
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return String.valueOf(Windows1252.decodeC1(cp));
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return "\uFFFD";
        }
        if (isInvalidCodePoint(cp)) {
            return "";
        }
        return new String(Character.toChars(cp));
    }

    private static boolean isInvalidCodePoint(int cp) {
        return (cp >= 0x01 && cp <= 0x08)
                || cp == 0x0B
                || (cp >= 0x0E && cp <= 0x1F)
                || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF)
                || (cp & 0xFFFE) == 0xFFFE; // U+FFFE, U+FFFF and the same in every plane
    }

    /** The entity table, read on first use. */
    private static final class Named {
        static final Map<String, String> TABLE = load();

        private static Map<String, String> load() {
            Map<String, String> table = new HashMap<>(8192);
            try (InputStream in = HtmlEntities.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    int tab = line.indexOf('\t');
                    StringBuilder value = new StringBuilder();
                    for (String hex : line.substring(tab + 1).split(" ")) {
                        value.appendCodePoint(Integer.parseInt(hex, 16));
                    }
                    table.put(line.substring(0, tab), value.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading resource " + RESOURCE, e);
            }
            return Map.copyOf(table);
        }
    }
}
