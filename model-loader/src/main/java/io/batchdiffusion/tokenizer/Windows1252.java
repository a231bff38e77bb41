package io.batchdiffusion.tokenizer;

/**
 * The C1 range (0x80-0x9F) read as Windows-1252, as ftfy's "sloppy" codec and Python's
 * {@code html.unescape} both do; the five bytes Windows-1252 leaves unassigned stay as they are.
 */
final class Windows1252 {

    private static final String C1 = "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021"
            + "\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F"
            + "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014"
            + "\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private Windows1252() {}

    /** The character byte {@code c} (0x80-0x9F) stands for in Windows-1252. */
    static char decodeC1(int c) {
        return C1.charAt(c - 0x80);
    }
}
