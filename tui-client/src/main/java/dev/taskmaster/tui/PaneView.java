package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The output pane as screen rows: the pane's lines through its stream filter, wrapped or cut to
 * the width, each row knowing which line it shows and where the search text is in it. Built
 * afresh for each frame and each search step (a few thousand lines at most). UI thread only.
 */
final class PaneView {

    /** One screen row: a part of line {@code line} (an index into the filtered lines); {@code match} is where the search text starts in {@code text}, or -1. */
    record Row(int line, OutputStream stream, String text, int match) {}

    /** Which streams the pane shows. */
    enum Streams {
        BOTH, STDOUT, STDERR;

        Streams next() {
            return values()[(ordinal() + 1) % values().length];
        }

        /** A notice of this client's (no stream) is always shown. */
        boolean shows(OutputStream s) {
            return s == null || this == BOTH || (this == STDOUT) == (s == OutputStream.OUTPUT_STREAM_STDOUT);
        }
    }

    private PaneView() {}

    /** The lines the filter lets through, oldest first, with the extra ones (status, spawn error) after them. */
    static List<OutputPane.Line> filtered(OutputPane pane, List<OutputPane.Line> extra) {
        List<OutputPane.Line> out = new ArrayList<>();
        for (OutputPane.Line l : pane.lines()) {
            if (pane.streams().shows(l.stream())) {
                out.add(l);
            }
        }
        out.addAll(extra);
        return out;
    }

    /** Every row of {@code lines} at {@code width} columns: one row a line (cut) or as many as it takes (wrapped). */
    static List<Row> rows(List<OutputPane.Line> lines, int width, boolean wrap, String search) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            OutputPane.Line l = lines.get(i);
            String text = l.text();
            int at = find(text, search);
            if (!wrap || text.length() <= width || width <= 0) {
                rows.add(new Row(i, l.stream(), text, at));
                continue;
            }
            for (int start = 0; start < text.length(); start += width) {
                String part = text.substring(start, Math.min(text.length(), start + width));
                // The match is marked on the row where it begins.
                rows.add(new Row(i, l.stream(), part, at >= start && at < start + width ? at - start : -1));
            }
        }
        return rows;
    }

    /** Where {@code search} is in {@code text}, ignoring case; -1 if not there or no search. */
    static int find(String text, String search) {
        if (search.isEmpty()) {
            return -1;
        }
        return text.toLowerCase(Locale.ROOT).indexOf(search.toLowerCase(Locale.ROOT));
    }

    /**
     * The index of the next line holding {@code search} from {@code from}, going back (older,
     * {@code older} true) or forward, wrapping round; -1 when no line holds it.
     */
    static int nextMatch(List<OutputPane.Line> lines, String search, int from, boolean older) {
        int n = lines.size();
        if (search.isEmpty() || n == 0) {
            return -1;
        }
        int start = from < 0 || from >= n ? (older ? n : -1) : from;
        for (int step = 1; step <= n; step++) {
            int i = Math.floorMod(start + (older ? -step : step), n);
            if (find(lines.get(i).text(), search) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
