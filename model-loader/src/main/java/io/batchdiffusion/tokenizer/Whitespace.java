package io.batchdiffusion.tokenizer;

/** Python's two notions of whitespace, which the reference tokenizer mixes. */
final class Whitespace {

    private Whitespace() {}

    /** The {@code regex} module's {@code \s}: the Unicode White_Space property. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D)
                || cp == 0x20
                || cp == 0x85
                || cp == 0xA0
                || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0x202F
                || cp == 0x205F
                || cp == 0x3000;
    }

    /** Python's {@code str.isspace} (used by {@code strip}): White_Space plus the separators 0x1C-0x1F. */
    static boolean isSpace(int cp) {
        return isWhiteSpace(cp) || (cp >= 0x1C && cp <= 0x1F);
    }

    /** CLIP's {@code whitespace_clean}: runs of whitespace become one space, then the ends are stripped. */
    static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhiteSpace(cp)) {
                inRun = true;
                continue;
            }
            if (inRun && out.length() > 0) {
                out.append(' ');
            }
            inRun = false;
            out.appendCodePoint(cp);
        }
        // A run at either end is dropped, which is what strip() does to the single space it became;
        // the separators strip() also knows (0x1C-0x1F) never get here, ftfy removes them first.
        return out.toString();
    }

    /** Python's {@code str.lstrip()}. */
    static String stripLeading(String text) {
        int start = 0;
        while (start < text.length()) {
            int cp = text.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        return text.substring(start);
    }

    /** Python's {@code str.rstrip()}. */
    static String stripTrailing(String text) {
        int end = text.length();
        while (end > 0) {
            int cp = text.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return text.substring(0, end);
    }
}
