package dev.taskmaster.server.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer the exposition is written into, kept from one scrape to the next so a
 * scrape of 2 MB does not allocate 2 MB again. Numbers are written as the Prometheus client's
 * text writer writes them ({@link Double#toString}: {@code 1.0}, {@code 90.0}, {@code 1.2E7}),
 * with a fast path for the whole numbers that nearly every series holds.
 *
 * <p>Threading: not thread-safe; one scrape at a time owns it.
 */
final class TextBuffer extends OutputStream {

    /** Below this, a whole number's {@link Double#toString} is its digits and ".0"; from it on, it is E notation. */
    private static final double PLAIN_LIMIT = 1e7;

    private byte[] bytes;
    private int size;

    TextBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    /** Forgets what was written from {@code at} on. */
    void truncate(int at) {
        size = at;
    }

    byte[] array() {
        return bytes;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    /** Text that is ASCII (metric names, fixed label values): one byte per char. */
    TextBuffer ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
        return this;
    }

    TextBuffer value(double v) {
        if (v == (long) v && Math.abs(v) < PLAIN_LIMIT && (v != 0 || 1 / v > 0)) {
            digits((long) v);
            ascii(".0");
        } else if (v == Double.POSITIVE_INFINITY) {
            ascii("+Inf");
        } else if (v == Double.NEGATIVE_INFINITY) {
            ascii("-Inf");
        } else {
            ascii(Double.toString(v));
        }
        return this;
    }

    private void digits(long v) {
        if (v < 0) {
            write('-');
            v = -v;
        }
        int start = size;
        do {
            write((int) ('0' + v % 10));
            v /= 10;
        } while (v > 0);
        for (int i = start, j = size - 1; i < j; i++, j--) {
            byte t = bytes[i];
            bytes[i] = bytes[j];
            bytes[j] = t;
        }
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, size);
    }

    /** A label value as the text format writes it between quotes: backslash, quote and newline escaped, UTF-8. */
    static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length() + 2);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }
}
