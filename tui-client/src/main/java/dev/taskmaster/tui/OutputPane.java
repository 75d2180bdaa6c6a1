package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.OutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The output of the selected process as lines of plain text: bytes are cut at newlines per
 * stream, decoded as UTF-8, and cleaned of terminal control sequences (a tty program's colours
 * and cursor moves mean nothing in a pane). Owned by the UI thread.
 */
final class OutputPane {

    /** One line, and the stream it came from (STDOUT or STDERR), or null for a notice of this client's. */
    record Line(OutputStream stream, String text) {}

    static final int LINES_KEPT = 2000;
    /** A line longer than this is cut, so one endless line cannot grow the buffer without bound. */
    static final int LINE_BYTES_MAX = 4096;

    private ProcKey key;
    private String status = "";
    private final List<Line> lines = new ArrayList<>();
    private final Map<OutputStream, ByteArrayOutputStream> partial = new EnumMap<>(OutputStream.class);
    private int scroll;
    // How the pane is looked at; kept when another process is selected.
    private boolean wrap;
    private boolean follow = true;
    private PaneView.Streams streams = PaneView.Streams.BOTH;
    private String search = "";
    /** The filtered line the search last stopped on, or -1. */
    private int match = -1;
    /** Keys go to the pane (search, wrap, follow...) rather than the table. */
    boolean focused;
    /** The pane has the whole screen but the first and last lines. */
    boolean full;
    /** The search text is being typed in the footer. */
    boolean searchEditing;
    /** Rows and width of the pane's text at the last render (-1 before): the bounds of scrolling and searching. */
    int shownRows = -1;
    int width = 80;

    /** Starts showing {@code key} (null = nothing selected), with {@code status} until output comes. */
    void reset(ProcKey key, String status) {
        this.key = key;
        this.status = status;
        lines.clear();
        partial.clear();
        scroll = 0;
        match = -1;
    }

    boolean wrap() {
        return wrap;
    }

    void toggleWrap() {
        wrap = !wrap;
        scroll = 0;
    }

    /** True while new output moves the pane to the end; false: the lines shown stay put. */
    boolean follow() {
        return follow;
    }

    void toggleFollow() {
        follow = !follow;
        if (follow) {
            scroll = 0;
        }
    }

    PaneView.Streams streams() {
        return streams;
    }

    void nextStreams() {
        streams = streams.next();
        scroll = 0;
        match = -1;
    }

    String search() {
        return search;
    }

    void search(String text) {
        search = text;
        match = -1;
    }

    int match() {
        return match;
    }

    /**
     * Moves to the next line holding the search text (older with {@code older}, as {@code n} in
     * less after {@code ?}), and scrolls so it is in the middle of the pane; false when no line holds it.
     */
    boolean findNext(boolean older, List<Line> filtered, int width, int height) {
        int next = PaneView.nextMatch(filtered, search, match, older);
        if (next < 0) {
            return false;
        }
        match = next;
        List<PaneView.Row> rows = PaneView.rows(filtered, width, wrap, "");
        int row = 0;
        while (row < rows.size() && rows.get(row).line() != next) {
            row++;
        }
        scroll = Math.max(0, Math.min(Math.max(0, rows.size() - height), rows.size() - 1 - row - height / 2));
        return true;
    }

    ProcKey key() {
        return key;
    }

    String status() {
        return status;
    }

    void status(String s) {
        status = s;
    }

    /** Appends output bytes of {@code stream}. */
    void append(OutputStream stream, byte[] data) {
        ByteArrayOutputStream buf = partial.computeIfAbsent(stream, s -> new ByteArrayOutputStream());
        for (byte b : data) {
            if (b == '\n') {
                flush(stream, buf);
            } else {
                buf.write(b);
                if (buf.size() >= LINE_BYTES_MAX) {
                    flush(stream, buf);
                }
            }
        }
    }

    /** A line of this client's own (e.g. "[process exited with code 1]"), after any partial output. */
    void notice(String text) {
        partial.forEach(this::flushIfAny);
        add(new Line(null, text));
    }

    private void flushIfAny(OutputStream stream, ByteArrayOutputStream buf) {
        if (buf.size() > 0) {
            flush(stream, buf);
        }
    }

    private void flush(OutputStream stream, ByteArrayOutputStream buf) {
        String text = clean(buf.toString(StandardCharsets.UTF_8));
        buf.reset();
        add(new Line(stream, text));
    }

    private void add(Line line) {
        lines.add(line);
        if (scroll > 0 || !follow) {
            scroll++; // keep showing the same lines while the user reads back (wrapped: about the same)
        }
        if (lines.size() > LINES_KEPT) {
            lines.subList(0, lines.size() - LINES_KEPT).clear();
        }
    }

    /** Every complete line, oldest first, plus the partial ones (a prompt without a newline). */
    List<Line> lines() {
        List<Line> all = new ArrayList<>(lines);
        partial.forEach((stream, buf) -> {
            if (buf.size() > 0) {
                all.add(new Line(stream, clean(buf.toString(StandardCharsets.UTF_8))));
            }
        });
        return all;
    }

    /** Lines scrolled back from the end; 0 = following new output. */
    int scroll() {
        return scroll;
    }

    void scrollBy(int delta, int height) {
        int max = Math.max(0, (shownRows >= 0 ? shownRows : lines().size()) - height);
        scroll = Math.max(0, Math.min(max, scroll + delta));
    }

    /**
     * Text as it would read on a terminal, minus the terminal: escape sequences removed, a
     * carriage return starts the line over (progress bars), tabs become spaces, other control
     * characters are dropped.
     */
    static String clean(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == 0x1b) {
                i = skipEscape(s, i);
                continue;
            }
            if (c == '\r') {
                if (i + 1 < s.length()) {
                    out.setLength(0);
                }
            } else if (c == '\t') {
                out.append(" ".repeat(8 - out.length() % 8));
            } else if (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)) {
                out.append(c);
            }
            i++;
        }
        return out.toString();
    }

    /** The index just after the escape sequence starting at {@code i}. */
    private static int skipEscape(String s, int i) {
        if (i + 1 >= s.length()) {
            return i + 1;
        }
        char kind = s.charAt(i + 1);
        int j = i + 2;
        if (kind == '[') { // CSI: parameters and intermediates, then one final byte 0x40-0x7e
            while (j < s.length() && (s.charAt(j) < 0x40 || s.charAt(j) > 0x7e)) {
                j++;
            }
            return Math.min(s.length(), j + 1);
        }
        if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') { // OSC and strings: until BEL or ESC \
            while (j < s.length()) {
                char c = s.charAt(j);
                if (c == 0x07) {
                    return j + 1;
                }
                if (c == 0x1b && j + 1 < s.length() && s.charAt(j + 1) == '\\') {
                    return j + 2;
                }
                j++;
            }
            return j;
        }
        if (kind == '(' || kind == ')' || kind == '#' || kind == '%') { // charset selection: one more byte
            return Math.min(s.length(), j + 1);
        }
        return j;
    }
}
