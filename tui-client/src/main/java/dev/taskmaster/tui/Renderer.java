package dev.taskmaster.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ResourceUsage;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws the model onto a Lanterna back buffer: header, process table, output pane, event ticker,
 * footer, and the overlay if one is open. It draws the whole frame every time; the screen's
 * delta refresh sends only the cells that changed, so nothing flickers. Plain ASCII only, so
 * the screen reads the same in any locale. UI thread only.
 */
final class Renderer {

    static final int MIN_COLS = 40;
    static final int MIN_ROWS = 12;
    /** How long an action's message stays in the footer. */
    static final Duration MESSAGE_TIME = Duration.ofSeconds(8);

    private static final TextColor DEFAULT = TextColor.ANSI.DEFAULT;
    private static final TextColor GREY = TextColor.ANSI.BLACK_BRIGHT;

    private final ZoneId zone;
    /** The colours in force; {@link #put} is the one place they are applied. */
    private final Theme theme;

    Renderer(ZoneId zone) {
        this(zone, Theme.DARK);
    }

    Renderer(ZoneId zone, Theme theme) {
        this.zone = zone;
        this.theme = theme;
    }

    /** Where the footer's text cursor goes (in filter editing), else null: a hidden cursor. */
    record Frame(int cursorColumn, int cursorRow) {}

    Frame draw(ScreenModel m, TextGraphics g, TerminalSize size) {
        int w = size.getColumns();
        int h = size.getRows();
        if (w < MIN_COLS || h < MIN_ROWS) {
            put(g, 0, 0, Fmt.fit("terminal too small (" + w + "x" + h + "); need " + MIN_COLS + "x" + MIN_ROWS, w), DEFAULT, DEFAULT);
            return null;
        }
        Instant now = m.now();
        header(m, g, w, now);
        if (m.output.full) {
            // The full-screen log: the header's two lines, the pane, the footer.
            m.outputHeight = h - 4;
            output(m, g, w, 2, h - 4);
            Frame frame = footer(m, g, w, h - 1, now);
            overlay(m, g, w, h, now);
            return frame;
        }
        List<Line> lines = m.lines();
        int available = h - 6; // title, counts, column titles, two dividers, footer
        int events = h >= 20 ? 3 : 1;
        int rest = available - events;
        // An empty table while no daemon is connected has room for why each cannot be reached.
        int wanted = lines.isEmpty() ? 1 + unreachableText(m, w).size() : lines.size();
        int table = Math.max(3, Math.min(Math.max(wanted, 3), rest * 3 / 5));
        int output = rest - table;
        m.tableHeight = table;
        m.outputHeight = output;
        table(m, g, lines, w, 2, table, now);
        int row = 3 + table;
        output(m, g, w, row, output);
        tableScroll(m, g, w, row, table);
        row += 1 + output;
        ticker(m, g, w, row, events);
        Frame frame = footer(m, g, w, h - 1, now);
        overlay(m, g, w, h, now);
        return frame;
    }

    // ---- header -------------------------------------------------------------------------------

    private void header(ScreenModel m, TextGraphics g, int w, Instant now) {
        int col = 0;
        col = put(g, col, 0, "taskmaster-tui ", DEFAULT, DEFAULT, SGR.BOLD);
        // Each daemon's name, its link when not live, then what it said about itself. When that
        // does not fit, the daemons' own words give way (level 1: no version or host; level 2:
        // live daemons by name only), then the daemons that are not live come first: a cut
        // never hides DISCONNECTED.
        List<DaemonView> daemons = new ArrayList<>(m.daemons());
        int level = 0;
        while (level < 2 && headerWidth(m, daemons, level, now) > w - col) {
            level++;
        }
        if (headerWidth(m, daemons, level, now) > w - col) {
            daemons.sort(java.util.Comparator.comparing(d -> d.link == DaemonView.Link.CONNECTED));
        }
        for (DaemonView d : daemons) {
            if (col >= w) {
                break;
            }
            String link = link(d, now);
            String about = about(m, d, level, now);
            col = put(g, col, 0, clip(" " + d.label + ": ", w - col), DEFAULT, DEFAULT);
            if (!link.isEmpty()) {
                col = put(g, col, 0, clip(link + " ", w - col), d.link == DaemonView.Link.CONNECTING ? TextColor.ANSI.YELLOW
                        : TextColor.ANSI.RED, DEFAULT, SGR.BOLD);
            }
            col = put(g, col, 0, clip(about, w - col), DEFAULT, DEFAULT);
        }
        // Counts per state (of connected daemons), totals, sort and filter. Sort and filter change
        // what the table shows, so they are kept whole: the counts and the totals give way first.
        String order = "  sort " + m.sort().name().toLowerCase(java.util.Locale.ROOT) + (m.reversed() ? " (reversed)" : "")
                + (m.filter().isEmpty() ? "" : "  filter \"" + m.filter() + "\"");
        int limit = Math.max(0, w - order.length());
        Map<ProcessState, Integer> counts = m.counts();
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        col = put(g, 0, 1, clip(total + (total == 1 ? " process: " : " processes: "), limit), DEFAULT, DEFAULT);
        for (var e : counts.entrySet()) {
            if (col >= limit) {
                break;
            }
            Style st = stateStyle(e.getKey(), false);
            col = put(g, col, 1, clip(e.getValue() + " " + ProcessText.state(e.getKey()), limit - col), st.fg, st.bg, st.sgr);
            col = put(g, col, 1, clip(" ", limit - col), DEFAULT, DEFAULT);
        }
        int stale = m.staleCount();
        if (stale > 0 && col < limit) {
            col = put(g, col, 1, clip(stale + " last known ", limit - col), GREY, DEFAULT);
        }
        double cpu = 0;
        long rss = 0;
        boolean sampled = false;
        for (Row r : m.rows()) {
            if (!r.stale() && r.usage() != null) {
                sampled = true;
                cpu += r.usage().getCpuPercent();
                rss += r.usage().getRssBytes();
            }
        }
        String totals = " CPU " + (sampled ? Fmt.percent(cpu) + "%" : "-") + " RSS " + (sampled ? Fmt.bytes(rss) : "-");
        if (col + totals.length() <= limit) {
            col = put(g, col, 1, totals, DEFAULT, DEFAULT);
        }
        put(g, Math.min(col, limit), 1, clip(order, w - Math.min(col, limit)), DEFAULT, DEFAULT);
    }

    private static String link(DaemonView d, Instant now) {
        return switch (d.link) {
            case CONNECTED -> "";
            case CONNECTING -> "CONNECTING";
            case DISCONNECTED -> "DISCONNECTED" + (d.retryAt == null ? ""
                    : " (retry in " + Math.max(0, Duration.between(now, d.retryAt).toSeconds() + 1) + "s)");
        };
    }

    /** What a daemon said about itself, at a level of detail: 0 all, 1 its uptime only, 2 nothing. */
    private static String about(ScreenModel m, DaemonView d, int level, Instant now) {
        if (d.info == null || level >= 2) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        if (level == 0) {
            s.append("taskmasterd ").append(d.info.getVersion());
            if (!m.severalDaemons()) {
                s.append(" on ").append(d.info.getHostname());
            }
        }
        long up = d.uptimeSeconds(now);
        if (up >= 0 && d.link != DaemonView.Link.DISCONNECTED) {
            s.append(s.isEmpty() ? "up " : ", up ").append(ProcessText.hms(up));
        }
        return s.isEmpty() ? "" : s.append(' ').toString();
    }

    private static int headerWidth(ScreenModel m, List<DaemonView> daemons, int level, Instant now) {
        int width = 0;
        for (DaemonView d : daemons) {
            String link = link(d, now);
            width += d.label.length() + 3 + (link.isEmpty() ? 0 : link.length() + 1) + about(m, d, level, now).length();
        }
        return width;
    }

    // ---- table --------------------------------------------------------------------------------

    /** A column of the table: title, width, right-aligned or not. */
    private record Col(String title, int width, boolean right) {}

    private enum Key { HOST, NAME, GROUP, STATE, HEALTH, PID, UPTIME, RESTARTS, EXIT, CPU, RSS }

    private record Layout(List<Key> keys, List<Col> cols) {}

    /** @param health some process has a health check: the HEALTH column is shown beside STATE */
    private static Layout layout(int w, boolean several, boolean health) {
        List<Key> keys = new ArrayList<>(List.of(Key.NAME, Key.GROUP, Key.STATE, Key.PID, Key.UPTIME, Key.RESTARTS, Key.EXIT,
                Key.CPU, Key.RSS));
        if (several) {
            keys.addFirst(Key.HOST);
        }
        if (health) {
            keys.add(keys.indexOf(Key.STATE) + 1, Key.HEALTH);
        }
        // Narrow terminals lose the columns that matter least first.
        List<Key> dropOrder = List.of(Key.RSS, Key.CPU, Key.GROUP, Key.PID, Key.HOST, Key.UPTIME, Key.HEALTH);
        for (Key drop : dropOrder) {
            if (minWidth(keys) <= w) {
                break;
            }
            keys.remove(drop);
        }
        int spare = Math.max(0, w - minWidth(keys));
        // Spare columns go to the text columns: name first, then last exit, group, host.
        int[] extra = new int[Key.values().length];
        int[][] weights = {{Key.NAME.ordinal(), 4}, {Key.EXIT.ordinal(), 3}, {Key.GROUP.ordinal(), 2}, {Key.HOST.ordinal(), 1}};
        int weightSum = 0;
        for (int[] kw : weights) {
            if (keys.contains(Key.values()[kw[0]])) {
                weightSum += kw[1];
            }
        }
        int given = 0;
        for (int[] kw : weights) {
            if (keys.contains(Key.values()[kw[0]])) {
                extra[kw[0]] = spare * kw[1] / weightSum;
                given += extra[kw[0]];
            }
        }
        extra[Key.NAME.ordinal()] += spare - given;
        List<Col> cols = new ArrayList<>();
        for (Key k : keys) {
            cols.add(new Col(title(k), min(k) + extra[k.ordinal()], k == Key.PID || k == Key.RESTARTS || k == Key.CPU
                    || k == Key.RSS || k == Key.UPTIME));
        }
        return new Layout(keys, cols);
    }

    private static int minWidth(List<Key> keys) {
        return keys.stream().mapToInt(Renderer::min).sum() + keys.size() - 1;
    }

    private static int min(Key k) {
        return switch (k) {
            case HOST -> 7;
            case NAME -> 10;
            case GROUP -> 6;
            case STATE -> 9;
            case HEALTH -> 9;
            case PID -> 7;
            case UPTIME -> 8;
            case RESTARTS -> 3;
            case EXIT -> 9;
            case CPU -> 5;
            case RSS -> 6;
        };
    }

    private static String title(Key k) {
        return switch (k) {
            case HOST -> "HOST";
            case NAME -> "NAME";
            case GROUP -> "GROUP";
            case STATE -> "STATE";
            case HEALTH -> "HEALTH";
            case PID -> "PID";
            case UPTIME -> "UPTIME";
            case RESTARTS -> "RST";
            case EXIT -> "LAST EXIT";
            case CPU -> "CPU%";
            case RSS -> "RSS";
        };
    }

    private void table(ScreenModel m, TextGraphics g, List<Line> lines, int w, int row, int height, Instant now) {
        Layout layout = layout(w, m.severalDaemons(), lines.stream().anyMatch(l -> l instanceof Line.Process p
                && p.row().info().hasHealth()));
        StringBuilder head = new StringBuilder();
        for (Col c : layout.cols) {
            head.append(head.isEmpty() ? "" : " ").append(c.right ? Fmt.right(c.title, c.width) : Fmt.fit(c.title, c.width));
        }
        put(g, 0, row, Fmt.fit(head.toString(), w), DEFAULT, DEFAULT, SGR.REVERSE);
        if (lines.isEmpty()) {
            boolean anyConnected = m.daemons().stream().anyMatch(d -> d.link == DaemonView.Link.CONNECTED);
            String empty = !m.filter().isEmpty() ? "no process matches \"" + m.filter() + "\""
                    : anyConnected ? "no processes" : "waiting for the daemon...";
            put(g, 1, row + 1, clip(empty, w - 1), GREY, DEFAULT);
            if (!anyConnected) {
                unreachable(m, g, w, row + 2, height - 1);
            }
            return;
        }
        Line selected = m.selected(lines);
        int top = m.top(height, lines);
        for (int i = 0; i < height && top + i < lines.size(); i++) {
            Line line = lines.get(top + i);
            boolean sel = line == selected;
            int y = row + 1 + i;
            switch (line) {
                case Line.Group grp -> groupLine(g, grp, layout, w, y, sel);
                case Line.Process p -> processLine(g, p, layout, w, y, sel, now);
            }
        }
    }

    /**
     * Which rows of the table are shown, when not all fit ({@code  1-8/12 }): drawn at the right
     * end of the divider under the table, where it covers no column title.
     */
    private void tableScroll(ScreenModel m, TextGraphics g, int w, int row, int height) {
        List<Line> lines = m.lines();
        if (lines.size() > height) {
            int top = m.top(height, lines);
            String more = " " + (top + 1) + "-" + Math.min(lines.size(), top + height) + "/" + lines.size() + " ";
            put(g, Math.max(0, w - more.length() - 2), row, clip(more, w), DEFAULT, DEFAULT, SGR.REVERSE, SGR.BOLD);
        }
    }

    /** Why each daemon that is not connected is not, wrapped into the empty table: its address and the reason. */
    private void unreachable(ScreenModel m, TextGraphics g, int w, int row, int height) {
        List<String> text = unreachableText(m, w);
        for (int i = 0; i < height && i < text.size(); i++) {
            put(g, 1, row + i, clip(text.get(i), w - 1), TextColor.ANSI.RED, DEFAULT);
        }
    }

    private static List<String> unreachableText(ScreenModel m, int w) {
        List<String> text = new ArrayList<>();
        if (m.daemons().stream().anyMatch(d -> d.link == DaemonView.Link.CONNECTED)) {
            return text;
        }
        for (DaemonView d : m.daemons()) {
            if (!d.error.isEmpty()) {
                text.addAll(wrap((m.severalDaemons() ? d.label + ": " : "") + d.error, w - 1, 2));
            }
        }
        return text;
    }

    private void groupLine(TextGraphics g, Line.Group grp, Layout layout, int w, int y, boolean sel) {
        long running = grp.members().stream().filter(r -> r.state() == ProcessState.PROCESS_STATE_RUNNING).count();
        long failing = grp.members().stream().filter(Row::failing).count();
        boolean stale = grp.members().stream().anyMatch(Row::stale);
        String text = (grp.collapsed() ? "+ " : "- ") + grp.group() + " (" + grp.members().size() + "): " + running + " running"
                + (failing > 0 ? ", " + failing + " failing" : "") + (layout.keys.contains(Key.HOST) ? "  [" + grp.daemon() + "]" : "");
        TextColor fg = stale ? GREY : failing > 0 ? TextColor.ANSI.RED : DEFAULT;
        SGR[] sgr = sel ? new SGR[] {SGR.BOLD, SGR.REVERSE} : new SGR[] {SGR.BOLD};
        put(g, 0, y, Fmt.fit(text, w), fg, DEFAULT, sgr);
    }

    private void processLine(TextGraphics g, Line.Process p, Layout layout, int w, int y, boolean sel, Instant now) {
        Row r = p.row();
        var info = r.info();
        int col = 0;
        for (int i = 0; i < layout.keys.size(); i++) {
            Key k = layout.keys.get(i);
            Col c = layout.cols.get(i);
            String text = switch (k) {
                case HOST -> r.key.daemon();
                case NAME -> (p.grouped() ? "  " : "") + r.key.fullName();
                case GROUP -> r.group();
                case STATE -> ProcessText.state(r.state()) + (r.stale() ? "?" : "");
                case HEALTH -> info.hasHealth() ? health(info.getHealth().getStatus()) : "-";
                case PID -> !r.stale() && info.getPid() > 0 ? Integer.toString(info.getPid()) : "-";
                case UPTIME -> {
                    long up = r.uptimeSeconds(now);
                    yield up >= 0 ? ProcessText.hms(up) : "-";
                }
                case RESTARTS -> Integer.toString(info.getRestartCount());
                case EXIT -> info.hasLastExit() ? Fmt.shortExit(info.getLastExit()) : "-";
                case CPU -> usage(r) == null ? "-" : Fmt.percent(usage(r).getCpuPercent());
                case RSS -> usage(r) == null ? "-" : Fmt.bytes(usage(r).getRssBytes());
            };
            String cell = (c.right ? Fmt.right(text, c.width) : Fmt.fit(text, c.width)) + (i < layout.keys.size() - 1 ? " " : "");
            Style st;
            if (r.stale()) {
                st = new Style(GREY, DEFAULT);
            } else if (k == Key.STATE) {
                st = stateStyle(r.state(), info.hasLastExit() && info.getLastExit().getExpected());
            } else if (k == Key.HEALTH && info.hasHealth()) {
                st = healthStyle(info.getHealth().getStatus());
            } else if (k == Key.EXIT && info.hasLastExit() && !info.getLastExit().getExpected()) {
                st = new Style(TextColor.ANSI.RED, DEFAULT);
            } else {
                st = new Style(DEFAULT, DEFAULT);
            }
            col = put(g, col, y, clip(cell, w - col), st.fg, st.bg, sel ? with(st.sgr, SGR.REVERSE) : st.sgr);
            if (col >= w) {
                break;
            }
        }
        if (col < w) {
            put(g, col, y, " ".repeat(w - col), DEFAULT, DEFAULT, sel ? new SGR[] {SGR.REVERSE} : new SGR[0]);
        }
    }

    private static ResourceUsage usage(Row r) {
        return r.stale() ? null : r.usage();
    }

    private record Style(TextColor fg, TextColor bg, SGR... sgr) {}

    /** {@code HEALTHY}, {@code UNHEALTHY}, {@code STARTING}, {@code -} when not probed. */
    static String health(dev.taskmaster.proto.v1.HealthStatus s) {
        return switch (s) {
            case HEALTH_STATUS_HEALTHY -> "HEALTHY";
            case HEALTH_STATUS_UNHEALTHY -> "UNHEALTHY";
            case HEALTH_STATUS_STARTING -> "STARTING";
            default -> "-";
        };
    }

    /** Green when healthy, yellow while it is too early to say, red on a failing check. */
    private static Style healthStyle(dev.taskmaster.proto.v1.HealthStatus s) {
        return switch (s) {
            case HEALTH_STATUS_HEALTHY -> new Style(TextColor.ANSI.GREEN, DEFAULT);
            case HEALTH_STATUS_STARTING -> new Style(TextColor.ANSI.YELLOW, DEFAULT);
            case HEALTH_STATUS_UNHEALTHY -> new Style(TextColor.ANSI.RED, DEFAULT, SGR.BOLD);
            default -> new Style(DEFAULT, DEFAULT);
        };
    }

    /** Green when all is well, yellow in transition, FATAL and BACKOFF on a coloured background so they stand out. */
    private static Style stateStyle(ProcessState s, boolean expectedExit) {
        return switch (s) {
            case PROCESS_STATE_RUNNING -> new Style(TextColor.ANSI.GREEN, DEFAULT);
            case PROCESS_STATE_STARTING, PROCESS_STATE_STOPPING, PROCESS_STATE_PAUSED, PROCESS_STATE_SCHEDULED ->
                    new Style(TextColor.ANSI.YELLOW, DEFAULT);
            case PROCESS_STATE_FATAL -> new Style(TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.RED, SGR.BOLD);
            case PROCESS_STATE_BACKOFF -> new Style(TextColor.ANSI.BLACK, TextColor.ANSI.YELLOW, SGR.BOLD);
            case PROCESS_STATE_UNKNOWN -> new Style(TextColor.ANSI.RED, DEFAULT, SGR.BOLD);
            case PROCESS_STATE_EXITED -> expectedExit ? new Style(DEFAULT, DEFAULT) : new Style(TextColor.ANSI.RED, DEFAULT, SGR.BOLD);
            default -> new Style(DEFAULT, DEFAULT);
        };
    }

    // ---- output pane and ticker ---------------------------------------------------------------

    private void output(ScreenModel m, TextGraphics g, int w, int row, int height) {
        OutputPane pane = m.output;
        List<OutputPane.Line> extra = new ArrayList<>();
        if (!pane.status().isEmpty()) {
            extra.add(new OutputPane.Line(null, pane.status()));
        }
        Row selected = pane.key() == null ? null : m.row(pane.key());
        if (selected != null && !selected.info().getSpawnError().isEmpty()) {
            // A process that could not start printed nothing: the pane says why instead.
            extra.add(new OutputPane.Line(null, "[could not start: " + selected.info().getSpawnError() + "]"));
        }
        List<OutputPane.Line> filtered = PaneView.filtered(pane, extra);
        List<PaneView.Row> rows = PaneView.rows(filtered, w, pane.wrap(), pane.search());
        pane.shownRows = rows.size();
        pane.width = w;
        StringBuilder modes = new StringBuilder();
        if (pane.streams() != PaneView.Streams.BOTH) {
            modes.append(pane.streams().name().toLowerCase(java.util.Locale.ROOT)).append(" only; ");
        }
        if (pane.wrap()) {
            modes.append("wrap; ");
        }
        if (!pane.follow()) {
            modes.append("not following; ");
        }
        if (!pane.search().isEmpty()) {
            modes.append("/").append(pane.search()).append("; ");
        }
        String title = pane.key() == null ? "-- output (select a process) "
                : "-- output of " + pane.key().fullName() + (m.severalDaemons() ? " on " + pane.key().daemon() : "")
                + (modes.isEmpty() ? "" : " [" + modes.substring(0, modes.length() - 2) + "]")
                + (pane.scroll() > 0 ? " (" + pane.scroll() + " lines back; ] returns) " : " ")
                + (pane.focused ? "[keys: ? for help, Esc leaves] " : "");
        put(g, 0, row, Fmt.fit(title + "-".repeat(Math.max(0, w - title.length())), w), pane.focused ? DEFAULT : GREY, DEFAULT,
                pane.focused ? new SGR[] {SGR.BOLD} : new SGR[0]);
        int end = Math.max(0, rows.size() - pane.scroll());
        int start = Math.max(0, end - height);
        for (int i = start; i < end; i++) {
            PaneView.Row r = rows.get(i);
            TextColor fg = r.stream() == null ? TextColor.ANSI.CYAN : r.stream() == OutputStream.OUTPUT_STREAM_STDERR
                    ? TextColor.ANSI.RED : DEFAULT;
            int y = row + 1 + i - start;
            put(g, 0, y, Fmt.fit(r.text(), w), fg, DEFAULT);
            if (r.match() >= 0 && r.match() < w) {
                // The search text, in reverse video; the line the last n/N stopped on also in yellow.
                int len = Math.min(pane.search().length(), Math.min(r.text().length(), w) - r.match());
                put(g, r.match(), y, r.text().substring(r.match(), r.match() + Math.max(0, len)),
                        r.line() == pane.match() ? TextColor.ANSI.YELLOW : fg, DEFAULT, SGR.REVERSE);
            }
        }
    }

    private void ticker(ScreenModel m, TextGraphics g, int w, int row, int height) {
        String title = "-- events ";
        put(g, 0, row, title + "-".repeat(Math.max(0, w - title.length())), GREY, DEFAULT);
        List<Ticker.Entry> entries = m.ticker.entries();
        for (int i = 0; i < height && i < entries.size(); i++) {
            Ticker.Entry e = entries.get(i);
            String text = Fmt.clock(e.time(), zone) + " " + (e.daemon().isEmpty() ? "" : "[" + e.daemon() + "] ") + e.text();
            TextColor fg = switch (e.severity()) {
                case INFO -> DEFAULT;
                case WARN -> TextColor.ANSI.YELLOW;
                case ERROR -> TextColor.ANSI.RED;
            };
            put(g, 0, row + 1 + i, Fmt.fit(text, w), fg, DEFAULT);
        }
    }

    private static final List<String> FOOTER_KEYS = List.of("q quit", "? help", "s start", "x stop", "r restart", "p pause",
            "K signal", "a attach", "d details", "/ filter");

    private static final List<String> PANE_FOOTER_KEYS = List.of("Esc table", "/ search", "n N next/prev", "w wrap", "f follow",
            "e streams", "L full screen", "[ ] scroll");

    private Frame footer(ScreenModel m, TextGraphics g, int w, int row, Instant now) {
        if (m.output.searchEditing) {
            String text = "search output: " + m.output.search();
            put(g, 0, row, Fmt.fit(text + "   (Enter finds, Esc clears)", w), DEFAULT, DEFAULT, SGR.BOLD);
            return new Frame(Math.min(w - 1, text.length()), row);
        }
        if (m.filterEditing()) {
            String text = "/" + m.filter();
            put(g, 0, row, Fmt.fit(text + "   (Enter keeps the filter, Esc clears it)", w), DEFAULT, DEFAULT, SGR.BOLD);
            return new Frame(Math.min(w - 1, text.length()), row);
        }
        if (!m.message().isEmpty() && now.isBefore(m.messageAt().plus(MESSAGE_TIME))) {
            put(g, 0, row, Fmt.fit(m.message(), w), m.messageError() ? TextColor.ANSI.RED : TextColor.ANSI.GREEN, DEFAULT, SGR.BOLD);
            return null;
        }
        // As many of the main keys as fit, whole: a key cut in half reads as another.
        StringBuilder keys = new StringBuilder();
        for (String k : m.output.focused ? PANE_FOOTER_KEYS : FOOTER_KEYS) {
            if (keys.length() + (keys.isEmpty() ? 0 : 2) + k.length() > w) {
                break;
            }
            keys.append(keys.isEmpty() ? "" : "  ").append(k);
        }
        put(g, 0, row, Fmt.fit(keys.toString(), w), DEFAULT, DEFAULT, SGR.REVERSE);
        return null;
    }

    // ---- overlays -----------------------------------------------------------------------------

    private void overlay(ScreenModel m, TextGraphics g, int w, int h, Instant now) {
        switch (m.overlay()) {
            case null -> { }
            case Overlay.Help help -> {
                List<String> lines = new ArrayList<>();
                int keyWidth = Keys.TABLE.stream().mapToInt(b -> b.keys().length()).max().orElse(10);
                for (Keys.Binding b : Keys.TABLE) {
                    lines.add(Fmt.fit(b.keys(), keyWidth) + "  " + b.action());
                }
                if (!m.extraKeys.isEmpty()) {
                    lines.add("Your keys: " + String.join(", ", m.extraKeys));
                }
                lines.add("STATE? in grey: last known state of a disconnected daemon.");
                lines.add("LAST EXIT ending in !: an unexpected exit.");
                box(g, w, h, "Keys (j/k scroll, Esc closes)", lines, -1, help.scroll());
            }
            case Overlay.Details d -> {
                Row r = m.row(d.key());
                List<String> lines = r == null ? List.of(d.key().fullName() + " no longer exists")
                        : Controller.detailLines(r, d.lines(), zone, now, m.rows());
                box(g, w, h, "Details of " + d.key().fullName() + " (j/k scroll, Esc closes)", lines, -1, d.scroll());
            }
            case Overlay.SignalPicker p -> {
                List<String> lines = new ArrayList<>();
                for (String s : Keys.SIGNALS) {
                    lines.add("SIG" + s);
                }
                box(g, w, h, "Signal to " + p.what() + " (Enter sends, Esc cancels)", lines, p.index(), 0);
            }
            case Overlay.Confirm c -> box(g, w, h, "Confirm", List.of(c.question(), "", "y = yes, any other key = no"), -1, 0);
        }
    }

    /**
     * A framed window centred on the screen; {@code highlight} is the index of a reversed line, or
     * -1. Lines too long for the screen are wrapped (a list to pick from is cut instead, one
     * line per choice); when they do not all fit, the bottom edge says which are shown.
     */
    private void box(TextGraphics g, int w, int h, String title, List<String> given, int highlight, int scroll) {
        int inner = Math.min(w - 4, Math.max(title.length() + 2, given.stream().mapToInt(String::length).max().orElse(0)) + 2);
        List<String> lines = new ArrayList<>();
        for (String line : given) {
            if (highlight >= 0) {
                lines.add(line);
            } else {
                lines.addAll(wrap(line, inner - 1, hangingIndent(line)));
            }
        }
        int bodyRows = Math.min(h - 2, lines.size());
        int left = (w - inner - 2) / 2;
        int topRow = Math.max(0, (h - bodyRows - 2) / 2);
        int first = Math.max(0, Math.min(scroll, lines.size() - bodyRows));
        if (highlight >= 0 && highlight >= first + bodyRows) {
            first = highlight - bodyRows + 1;
        }
        String edge = "+" + "-".repeat(inner) + "+";
        put(g, left, topRow, edge, DEFAULT, DEFAULT, SGR.BOLD);
        put(g, left + 2, topRow, " " + clip(title, inner - 4) + " ", DEFAULT, DEFAULT, SGR.BOLD);
        for (int i = 0; i < bodyRows; i++) {
            int idx = first + i;
            put(g, left, topRow + 1 + i, "|", DEFAULT, DEFAULT, SGR.BOLD);
            put(g, left + 1, topRow + 1 + i, Fmt.fit(" " + lines.get(idx), inner), DEFAULT, DEFAULT,
                    idx == highlight ? new SGR[] {SGR.REVERSE} : new SGR[0]);
            put(g, left + 1 + inner, topRow + 1 + i, "|", DEFAULT, DEFAULT, SGR.BOLD);
        }
        put(g, left, topRow + 1 + bodyRows, edge, DEFAULT, DEFAULT, SGR.BOLD);
        if (bodyRows < lines.size()) {
            String shown = " " + (first + 1) + "-" + (first + bodyRows) + "/" + lines.size() + " ";
            put(g, left + 1 + Math.max(0, inner - shown.length() - 1), topRow + 1 + bodyRows, clip(shown, inner), DEFAULT, DEFAULT,
                    SGR.BOLD);
        }
    }

    /**
     * Where a wrapped line's continuation starts: under its value when it reads {@code key  value}
     * (two spaces before the value, as the help and details lines are laid out), else two
     * columns in from the line's own indent.
     */
    static int hangingIndent(String line) {
        int lead = 0;
        while (lead < line.length() && line.charAt(lead) == ' ') {
            lead++;
        }
        java.util.regex.Matcher value = java.util.regex.Pattern.compile("\\S {2,}(?=\\S)").matcher(line);
        if (value.find(lead)) {
            return value.end();
        }
        return lead + 2;
    }

    /** {@code text} in lines of at most {@code width} columns, cut at spaces where it can be, continuations indented by {@code indent}. */
    static List<String> wrap(String text, int width, int indent) {
        List<String> out = new ArrayList<>();
        if (width <= 0) {
            return out;
        }
        int hang = indent < width / 2 ? indent : 0;
        String rest = text;
        String prefix = "";
        while (prefix.length() + rest.length() > width) {
            int room = width - prefix.length();
            int cut = rest.lastIndexOf(' ', room);
            if (cut <= 0) {
                cut = room;
            }
            out.add(prefix + rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
            prefix = " ".repeat(hang);
        }
        out.add(prefix + rest);
        return out;
    }

    // ---- drawing helpers ----------------------------------------------------------------------

    private static String clip(String s, int width) {
        return width <= 0 ? "" : s.length() <= width ? s : s.substring(0, width);
    }

    private static SGR[] with(SGR[] sgr, SGR extra) {
        SGR[] out = java.util.Arrays.copyOf(sgr, sgr.length + 1);
        out[sgr.length] = extra;
        return out;
    }

    /** Puts {@code text} at ({@code col}, {@code row}) in the given style and returns the column after it. */
    private int put(TextGraphics g, int col, int row, String text, TextColor fg, TextColor bg, SGR... sgr) {
        if (text.isEmpty()) {
            return col;
        }
        sgr = theme.modifiers(bg, sgr);
        g.setForegroundColor(theme.map(fg));
        g.setBackgroundColor(theme.map(bg));
        g.clearModifiers();
        if (sgr.length > 0) {
            g.enableModifiers(sgr);
        }
        g.putString(col, row, text);
        return col + text.length();
    }
}
