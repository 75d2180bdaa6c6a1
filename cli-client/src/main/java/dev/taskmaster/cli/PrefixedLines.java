package dev.taskmaster.cli;

import java.io.PrintWriter;

/**
 * One process's output for {@code logs}: decoded, cut into lines, each printed whole after the
 * process's prefix. Lines of several processes share one {@link Out} and never mix mid-line.
 * Each instance is fed by one thread at a time.
 */
final class PrefixedLines {

    /** The shared output; printing a line holds its lock. */
    static final class Out {
        private final PrintWriter out;

        Out(PrintWriter out) {
            this.out = out;
        }

        synchronized void line(String prefix, String line) {
            out.print(prefix);
            out.println(line);
            out.flush();
        }
    }

    /** A line this long without a line break (a progress bar, a binary stream) is printed in parts. */
    static final int LINE_MAX = 16 * 1024;

    private final Out out;
    private final String prefix;
    private final TextDecoder decoder = new TextDecoder();
    /** The start of a line whose end has not come yet. */
    private final StringBuilder partial = new StringBuilder();

    PrefixedLines(Out out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    void bytes(byte[] data) {
        String text = decoder.decode(data);
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            partial.append(text, start, i);
            out.line(prefix, stripCarriageReturn(partial));
            partial.setLength(0);
            start = i + 1;
        }
        partial.append(text, start, text.length());
        // Memory stays bounded whatever the program prints: a line that never ends is cut.
        while (partial.length() >= LINE_MAX) {
            out.line(prefix, partial.substring(0, LINE_MAX) + " [line continues]");
            partial.delete(0, LINE_MAX);
        }
    }

    /** The end: an unfinished last line is printed as it is. */
    void finish() {
        partial.append(decoder.finish());
        if (!partial.isEmpty()) {
            out.line(prefix, stripCarriageReturn(partial));
            partial.setLength(0);
        }
    }

    /** A follower printer writing here; skipped bytes are reported on {@code err} under {@code name}. */
    OutputFollower.Printer follower(String name, PrintWriter err) {
        return new OutputFollower.Printer() {
            @Override
            public void bytes(byte[] data) {
                PrefixedLines.this.bytes(data);
            }

            @Override
            public void skipped(long count) {
                synchronized (out) {
                    err.println(OutputFollower.skippedLine(name, count));
                    err.flush();
                }
            }
        };
    }

    /** Programs on a terminal end lines with "\r\n". */
    private static String stripCarriageReturn(StringBuilder line) {
        int n = line.length();
        return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
    }
}
