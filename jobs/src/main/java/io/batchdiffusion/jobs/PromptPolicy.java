package io.batchdiffusion.jobs;

import java.util.Optional;

/**
 * What the job does with prompt text before any model sees it. Documented in the README:
 *
 * <ul>
 *   <li>null, empty or whitespace-only prompts and prompts that were not valid UTF-8 in the catalogue
 *       are rejected ({@code INVALID_INPUT});
 *   <li>bidirectional override, embedding and isolate controls (U+202A..U+202E, U+2066..U+2069) are
 *       rejected: they make the text a reviewer sees differ from the text the model gets;
 *   <li>invisible zero-width characters (U+200B zero width space, U+2060 word joiner, U+FEFF byte order
 *       mark) and Unicode tag characters (U+E0000..U+E007F, invisible letters that can smuggle hidden
 *       text) are stripped; ZWJ/ZWNJ and the directional marks LRM/RLM/ALM are kept because scripts
 *       and emoji sequences use them.
 * </ul>
 *
 * <p>The results table records the cleaned prompt, the text the model got.
 */
public final class PromptPolicy {

    private PromptPolicy() {}

    /** The problem with a prompt column's value, if the row cannot be rendered because of it. */
    public static Optional<String> problem(String column, String text, boolean validUtf8) {
        if (text == null) {
            return column.equals("prompt") ? Optional.of("prompt is null") : Optional.empty();
        }
        if (!validUtf8) {
            return Optional.of(column + " is not valid UTF-8");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')) {
                return Optional.of(String.format(
                        "%s contains the bidirectional control U+%04X at character %d", column, (int) c, i));
            }
        }
        if (column.equals("prompt") && clean(text).isBlank()) {
            return Optional.of("prompt is empty or whitespace");
        }
        return Optional.empty();
    }

    /** The text the model gets: zero-width and tag characters removed. */
    public static String clean(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().filter(c -> !isStripped(c)).forEach(sb::appendCodePoint);
        return sb.toString();
    }

    private static boolean isStripped(int c) {
        return c == 0x200B || c == 0x2060 || c == 0xFEFF || (c >= 0xE0000 && c <= 0xE007F);
    }
}
