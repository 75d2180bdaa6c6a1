package dev.taskmaster.config;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * snakeyaml's reader over a text held whole, in linear time. snakeyaml's own {@link StreamReader}
 * reads 1024 characters at a time and copies everything not yet consumed into a new window each
 * time: a token is consumed only once it has been scanned whole, so one long value (or comment
 * line, or run of characters without a space) is copied again for every 1 KiB it grows — a
 * 4 MiB value took half a minute. Here the text is decoded into code points once and every call
 * is O(1) or O(length asked for).
 *
 * <p>Every public method of {@link StreamReader} is overridden, with the same meaning (lines
 * and columns counted alike; {@code '\0'} past the end), so the scanner never reaches the
 * superclass's buffer. The text must already have passed {@link YamlText#checkPrintable}, which
 * is what the superclass checks as it reads. Not thread-safe: one parse.
 */
final class WholeTextReader extends StreamReader {

    private static final int[] NO_TEXT = new int[0];

    private final int[] text;
    private int pointer;
    private int index;
    private int documentIndex;
    private int line;
    private int column;

    WholeTextReader(String text) {
        super("");
        this.text = text.codePoints().toArray();
    }

    @Override
    public Mark getMark() {
        // Every node keeps its marks, for its position; a mark holding the text (for snakeyaml's
        // snippets, which no message here shows) would keep 4 bytes a character alive per file.
        return new Mark("'reader'", index, line, column, NO_TEXT, 0);
    }

    @Override
    public void forward() {
        forward(1);
    }

    @Override
    public void forward(int length) {
        for (int i = 0; i < length && pointer < text.length; i++) {
            int c = text[pointer++];
            index++;
            documentIndex++;
            if (c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029
                    || (c == '\r' && pointer < text.length && text[pointer] != '\n')) {
                line++;
                column = 0;
            } else if (c != 0xFEFF) {
                column++;
            }
        }
    }

    @Override
    public int peek() {
        return peek(0);
    }

    @Override
    public int peek(int offset) {
        long at = (long) pointer + offset;
        return at < text.length ? text[(int) at] : '\0';
    }

    @Override
    public String prefix(int length) {
        int available = Math.max(0, Math.min(length, text.length - pointer));
        return length == 0 ? "" : new String(text, Math.min(pointer, text.length), available);
    }

    @Override
    public String prefixForward(int length) {
        String prefix = prefix(length);
        // As the superclass: the caller knows the prefix holds no line break.
        pointer += length;
        index += length;
        documentIndex += length;
        column += length;
        return prefix;
    }

    @Override
    public int getColumn() {
        return column;
    }

    @Override
    public int getDocumentIndex() {
        return documentIndex;
    }

    @Override
    public void resetDocumentIndex() {
        documentIndex = 0;
    }

    @Override
    public int getIndex() {
        return index;
    }

    @Override
    public int getLine() {
        return line;
    }
}
