package dev.taskmaster.config;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Turns a file's bytes into the text YAML may hold, or says exactly where and why it cannot:
 * which byte is not UTF-8 (and what the file probably is instead: UTF-16, UTF-32, Latin-1), or
 * which control character is in the way, at its line and column. Lines and columns are counted
 * as the YAML parser counts them, so these positions agree with its own. Stateless.
 */
final class YamlText {

    private static final java.nio.charset.Charset WINDOWS_1252 = java.nio.charset.Charset.forName("windows-1252");

    private YamlText() {
    }

    /** Text that cannot be YAML, at a 1-based line and column. */
    static final class Rejected extends Exception {
        private final int line;
        private final int column;

        Rejected(int line, int column, String message) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }

        int line() {
            return line;
        }

        int column() {
            return column;
        }
    }

    /** The UTF-8 text of {@code bytes}; whether YAML may hold it is {@link #checkPrintable}'s to say. */
    static String decode(byte[] bytes) throws Rejected {
        rejectOtherUnicode(bytes);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int offset = in.position();
            Position at = position(out.flip(), out.limit());
            throw new Rejected(at.line, at.column, "expected UTF-8 text, found the byte " + hex(bytes[offset])
                    + " (byte offset " + offset + "), which is not UTF-8" + guess(bytes, offset));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** A byte order mark of UTF-16 or UTF-32 says plainly what the file is; so do the NULs of UTF-16 without one. */
    private static void rejectOtherUnicode(byte[] b) throws Rejected {
        String found = null;
        String encoding = "UTF-16";
        if (startsWith(b, 0x00, 0x00, 0xFE, 0xFF) || startsWith(b, 0xFF, 0xFE, 0x00, 0x00)) {
            found = "UTF-32 text (it starts with a UTF-32 byte order mark)";
            encoding = "UTF-32";
        } else if (startsWith(b, 0xFE, 0xFF) || startsWith(b, 0xFF, 0xFE)) {
            found = "UTF-16 text (it starts with a UTF-16 byte order mark)";
        } else if (asciiIn(b, 4)) {
            found = "UTF-32 text without a byte order mark (three NUL bytes beside every character)";
            encoding = "UTF-32";
        } else if (asciiIn(b, 2)) {
            found = "UTF-16 text without a byte order mark (a NUL byte beside every character)";
        }
        if (found != null) {
            throw new Rejected(1, 1, "expected UTF-8 text, found " + found + "; convert the file to UTF-8,"
                    + " for example with iconv -f " + encoding + " -t UTF-8");
        }
    }

    /**
     * ASCII written in UTF-16 ({@code width} 2) or UTF-32 (4): each character a byte and NULs, the
     * NULs after it (little-endian) or before it (big-endian).
     */
    private static boolean asciiIn(byte[] b, int width) {
        int n = Math.min(b.length, 64) / width * width;
        if (n < 2 * width) {
            return false;
        }
        boolean little = true;
        boolean big = true;
        for (int i = 0; i < n; i += width) {
            for (int j = 0; j < width; j++) {
                little &= (j == 0) == (b[i + j] != 0) && b[i + j] >= 0;
                big &= (j == width - 1) == (b[i + j] != 0) && b[i + j] >= 0;
            }
        }
        return little || big;
    }

    /** A hint at what the file is, when its bytes suggest a single-byte encoding of Western Europe. */
    private static String guess(byte[] b, int offset) {
        int v = b[offset] & 0xFF;
        for (int i = 0; i < offset; i++) {
            if (b[i] < 0) {
                // Characters beyond ASCII were UTF-8 until here: one damaged or pasted spot, not another encoding.
                return "; the text before it is UTF-8: fix or remove what is at this place";
            }
        }
        if (v >= 0x80 && looksLikeLatin1(b)) {
            // 0x80 to 0x9F are controls in Latin-1, but letters and signs (€, œ, ’) in Windows-1252.
            String charset = v < 0xA0 ? "Windows-1252" : "Latin-1";
            String character = new String(new byte[] {b[offset]}, v < 0xA0 ? WINDOWS_1252 : StandardCharsets.ISO_8859_1);
            if (!character.equals("\uFFFD")) {
                return "; the file looks like " + charset + ", where it is \"" + character + "\": convert it to UTF-8,"
                        + " for example with iconv -f " + (v < 0xA0 ? "CP1252" : "LATIN1") + " -t UTF-8";
            }
        }
        return "; convert the file to UTF-8";
    }

    /** Text with no control characters but tab and line breaks, when each byte is read as one character. */
    private static boolean looksLikeLatin1(byte[] b) {
        for (byte x : b) {
            int v = x & 0xFF;
            if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rejects the first character YAML does not allow in a file: control characters but tab and
     * line breaks, DEL, the C1 controls but NEL, and the noncharacters U+FFFE and U+FFFF. (A
     * double-quoted YAML string can still hold any of them, written as an escape such as
     * {@code \x07}.)
     */
    static void checkPrintable(String text) throws Rejected {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (!printable(c)) {
                Position at = position(text, i);
                throw new Rejected(at.line, at.column, "expected printable text, found the control character "
                        + describe(c) + "; YAML allows no control characters but tab and line breaks"
                        + " (in a double-quoted string, write it as an escape such as \\x"
                        + String.format(Locale.ROOT, "%02X", Math.min(c, 0xFF)) + ")");
            }
            i += Character.charCount(c);
        }
    }

    /** The characters snakeyaml's reader accepts, which are YAML 1.1's printable ones. */
    private static boolean printable(int c) {
        return (c >= 0x20 && c <= 0x7E) || c == 0x9 || c == 0xA || c == 0xD || c == 0x85
                || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    }

    private static final String[] C0_NAMES = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB",
        "LF", "VT", "FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
        "ESC", "FS", "GS", "RS", "US"};

    /** {@code U+0000 (NUL)}, {@code U+001B (ESC)}, {@code U+0085}. */
    static String describe(int c) {
        String code = String.format(Locale.ROOT, "U+%04X", c);
        if (c < C0_NAMES.length) {
            return code + " (" + C0_NAMES[c] + ")";
        }
        if (c == 0x7F) {
            return code + " (DEL)";
        }
        return code;
    }

    private static String hex(byte b) {
        return String.format(Locale.ROOT, "0x%02X", b & 0xFF);
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A 1-based line and column. */
    record Position(int line, int column) {
    }

    /** Where the byte at {@code offset} is, reading what comes before it as UTF-8 (bad bytes as one character each). */
    static Position positionOfByte(byte[] bytes, int offset) {
        String before = new String(bytes, 0, Math.min(offset, bytes.length), StandardCharsets.UTF_8);
        return position(before, before.length());
    }

    /**
     * Where the character at {@code end} of {@code text} is, counted as snakeyaml's reader counts:
     * a line ends at LF, at NEL, U+2028 and U+2029, and at a CR not followed by LF; columns count
     * code points; a byte order mark takes no column.
     */
    private static Position position(CharSequence text, int end) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < end; ) {
            int c = Character.codePointAt(text, i);
            i += Character.charCount(c);
            boolean crAlone = c == '\r' && (i >= text.length() || text.charAt(i) != '\n');
            if (c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029 || crAlone) {
                line++;
                column = 1;
            } else if (c != 0xFEFF) {
                column++;
            }
        }
        return new Position(line, column);
    }
}
