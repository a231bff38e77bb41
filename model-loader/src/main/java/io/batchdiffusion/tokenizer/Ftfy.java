package io.batchdiffusion.tokenizer;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * The parts of {@code ftfy.fix_text} (ftfy 6.1, default configuration) that matter for prompts, in
 * ftfy's order: HTML entities, C1 controls, Latin ligatures, character width, curly quotes, line
 * breaks, surrogates, terminal escapes, control characters, NFC; repeated until nothing changes.
 *
 * <p>Left out: {@code fix_encoding} (mojibake repair such as "cafÃ©" to "café", with its
 * {@code restore_byte_a0}, {@code replace_lossy_sequences} and {@code decode_inconsistent_utf8}
 * steps). It needs ftfy's statistical "badness" heuristics; prompts that contain mojibake will
 * tokenize differently from the reference. The split of overlong lines ({@code max_decode_length},
 * a million code points) only affects {@code fix_encoding} and is left out with it.
 */
final class Ftfy {

    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001B\\[(?:\\p{Nd}|;)*[a-zA-Z]");
    private static final String[] WIDTH_MAP = buildWidthMap();

    private Ftfy() {}

    /**
     * Fixes {@code text} line by line. HTML entities are decoded unless the text looks like HTML: once
     * a line contains '<', that line and all later ones keep their entities (ftfy's "auto" mode).
     */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        for (int pos = 0; pos < text.length(); ) {
            int lineEnd = text.indexOf('\n', pos) + 1;
            if (lineEnd == 0) {
                lineEnd = text.length();
            }
            String line = text.substring(pos, lineEnd);
            unescapeHtml &= line.indexOf('<') < 0;
            out.append(fixSegment(line, unescapeHtml));
            pos = lineEnd;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String original = text;
            if (unescapeHtml) {
                text = HtmlEntities.unescape(text);
            }
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = TERMINAL_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(original)) {
                return text;
            }
        }
    }

    static String fixC1Controls(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 0x80 && c <= 0x9F ? Windows1252.decodeC1(c) : c);
        }
        return out.toString();
    }

    static String fixLatinLigatures(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = ligature(c);
            if (replacement != null) {
                out.append(replacement);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Latin ligatures and the digraphs kept for legacy encodings; other scripts' ligatures stay. */
    private static String ligature(char c) {
        return switch (c) {
            case '\u0132' -> "IJ";
            case '\u0133' -> "ij";
            case '\u0149' -> "\u02BCn";
            case '\u01F1' -> "DZ";
            case '\u01F2' -> "Dz";
            case '\u01F3' -> "dz";
            case '\u01C4' -> "D\u017D";
            case '\u01C5' -> "D\u017E";
            case '\u01C6' -> "d\u017E";
            case '\u01C7' -> "LJ";
            case '\u01C8' -> "Lj";
            case '\u01C9' -> "lj";
            case '\u01CA' -> "NJ";
            case '\u01CB' -> "Nj";
            case '\u01CC' -> "nj";
            case '\uFB00' -> "ff";
            case '\uFB01' -> "fi";
            case '\uFB02' -> "fl";
            case '\uFB03' -> "ffi";
            case '\uFB04' -> "ffl";
            case '\uFB05' -> "\u017Ft";
            case '\uFB06' -> "st";
            default -> null;
        };
    }

    /** Full-width and half-width forms to their NFKC form; the ideographic space to a space. */
    static String fixCharacterWidth(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u3000') {
                out.append(' ');
            } else if (c >= 0xFF01 && c < 0xFFF0 && WIDTH_MAP[c - 0xFF01] != null) {
                out.append(WIDTH_MAP[c - 0xFF01]);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String[] buildWidthMap() {
        String[] map = new String[0xFFF0 - 0xFF01];
        for (char c = 0xFF01; c < 0xFFF0; c++) {
            String folded = Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC);
            map[c - 0xFF01] = folded.equals(String.valueOf(c)) ? null : folded;
        }
        return map;
    }

    static String uncurlQuotes(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u02BC' || (c >= '\u2018' && c <= '\u201B')) {
                out.append('\'');
            } else if (c >= '\u201C' && c <= '\u201F') {
                out.append('"');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n")
                .replace('\r', '\n')
                .replace('\u2028', '\n')
                .replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    /** Paired surrogates stay (Java strings pair them anyway); a lone one becomes U+FFFD. */
    static String fixSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String removeControlChars(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isRemovedControl(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** ASCII controls other than tab, LF, FF, CR; deprecated Arabic format controls; BOM; U+FFF9-U+FFFC. */
    private static boolean isRemovedControl(char c) {
        return c <= 0x08
                || c == 0x0B
                || (c >= 0x0E && c <= 0x1F)
                || c == 0x7F
                || (c >= 0x206A && c <= 0x206F)
                || c == 0xFEFF
                || (c >= 0xFFF9 && c <= 0xFFFC);
    }
}
