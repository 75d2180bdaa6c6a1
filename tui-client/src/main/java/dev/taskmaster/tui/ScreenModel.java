package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProcessUsage;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the screen shows, as plain data, with no terminal: the daemons and their
 * connections, one {@link Row} per process built from each daemon's WatchEvents stream
 * (snapshot, then events; a fresh snapshot after missed events), the event ticker, the output
 * pane, and the view state (sort, filter, collapsed groups, selection, overlay).
 *
 * <p>Confined to the UI thread: network callbacks never touch it, they post tasks that do.
 */
final class ScreenModel {

    /** What the table can be sorted by (key {@code o} cycles). */
    enum Sort { NAME, STATE, UPTIME, RESTARTS, CPU, RSS }

    private final Clock clock;
    private final Map<String, DaemonView> daemons = new LinkedHashMap<>();
    private final Map<ProcKey, Row> rows = new HashMap<>();
    final Ticker ticker = new Ticker();
    final OutputPane output = new OutputPane();

    private Sort sort = Sort.NAME;
    private boolean reversed;
    private String filter = "";
    private boolean filterEditing;
    private final Set<String> collapsed = new HashSet<>();
    private String selectedId;
    private int selectedIndex;
    private int top;
    private Overlay overlay;
    private String message = "";
    private boolean messageError;
    private Instant messageAt = Instant.EPOCH;
    private boolean quit;
    /** Heights of the table and the output pane at the last render: a page for PgUp/PgDn and [ ]. */
    int tableHeight = 10;
    /** The user's extra keys ("S = stop"), for the help overlay. */
    List<String> extraKeys = List.of();
    int outputHeight = 5;

    ScreenModel(Clock clock, List<String> daemonLabels) {
        this.clock = clock;
        for (String label : daemonLabels) {
            daemons.put(label, new DaemonView(label));
        }
    }

    Instant now() {
        return clock.instant();
    }

    // ---- what the daemons say ----------------------------------------------------------------

    Collection<DaemonView> daemons() {
        return daemons.values();
    }

    DaemonView daemon(String label) {
        DaemonView d = daemons.get(label);
        if (d == null) {
            throw new IllegalArgumentException("no daemon \"" + label + "\"");
        }
        return d;
    }

    boolean severalDaemons() {
        return daemons.size() > 1;
    }

    /** A connection attempt to {@code label} begins. */
    void connecting(String label) {
        DaemonView d = daemon(label);
        d.link = DaemonView.Link.CONNECTING;
        d.retryAt = null;
    }

    /** The daemon answered GetServerInfo; its stream follows. Rows stay as they were until the stream speaks. */
    void serverInfo(String label, GetServerInfoResponse info) {
        DaemonView d = daemon(label);
        d.info = info;
        d.infoAt = now();
    }

    /** The daemon cannot be reached: its rows become its last known state, shown as such. */
    void disconnected(String label, String why, Instant retryAt) {
        DaemonView d = daemon(label);
        boolean was = d.link == DaemonView.Link.CONNECTED;
        // A new reason is worth a line even for a daemon never reached (an untrusted certificate);
        // the same reason again at each retry is not.
        boolean news = was || !why.equals(d.error);
        d.link = DaemonView.Link.DISCONNECTED;
        d.error = why;
        d.retryAt = retryAt;
        for (Row r : rows.values()) {
            if (r.key.daemon().equals(label)) {
                r.markStale();
            }
        }
        if (news) {
            ticker.add(new Ticker.Entry(now(), tag(label), (was ? "disconnected: " : "cannot connect: ") + why, Ticker.Severity.ERROR));
        }
    }

    /** Applies one message of {@code label}'s WatchEvents stream. */
    void apply(String label, WatchEventsResponse m) {
        DaemonView d = daemon(label);
        if (d.link != DaemonView.Link.CONNECTED) {
            // The first message of a stream: what follows (or a resume replay that already
            // happened) makes the rows current again.
            d.link = DaemonView.Link.CONNECTED;
            d.error = "";
            d.generation++;
            rows.values().stream().filter(r -> r.key.daemon().equals(label)).forEach(r -> r.update(r.info()));
        }
        switch (m.getKindCase()) {
            case SNAPSHOT -> {
                snapshot(d, m.getSnapshot());
                int n = m.getSnapshot().getProcessesCount();
                ticker.add(new Ticker.Entry(now(), tag(label), "connected: " + n + (n == 1 ? " process" : " processes")
                        + " at event #" + m.getSnapshot().getSequence(), Ticker.Severity.INFO));
            }
            case EVENT -> event(d, m.getEvent());
            case EVENTS_MISSED -> {
                d.journalId = m.getEventsMissed().getJournalId();
                EventText.Text t = EventText.missed(m.getEventsMissed());
                ticker.add(new Ticker.Entry(now(), tag(label), t.text(), t.severity()));
            }
            case HEARTBEAT -> d.sequence = Math.max(d.sequence, m.getHeartbeat().getLatestSequence());
            case USAGE_REPORT -> {
                for (ProcessUsage u : m.getUsageReport().getProcessesList()) {
                    Row r = rows.get(new ProcKey(label, u.getFullName()));
                    if (r != null) {
                        r.usage(u.getUsage());
                    }
                }
            }
            case KIND_NOT_SET -> { }
        }
    }

    private void snapshot(DaemonView d, Snapshot s) {
        d.journalId = s.getJournalId();
        d.sequence = s.getSequence();
        Set<ProcKey> present = new HashSet<>();
        for (ProcessInfo p : s.getProcessesList()) {
            ProcKey k = new ProcKey(d.label, p.getFullName());
            present.add(k);
            upsert(k, p);
        }
        rows.keySet().removeIf(k -> k.daemon().equals(d.label) && !present.contains(k));
    }

    private void event(DaemonView d, Event e) {
        d.sequence = Math.max(d.sequence, e.getSequence());
        switch (e.getPayloadCase()) {
            case PROCESS_STATE_CHANGED -> {
                var c = e.getProcessStateChanged();
                Row r = upsert(new ProcKey(d.label, c.getProcess().getFullName()), c.getProcess());
                if (c.hasExit()) {
                    r.addExit(c.getExit());
                }
            }
            case PROCESS_SPAWN_FAILED -> upsert(new ProcKey(d.label, e.getProcessSpawnFailed().getProcess().getFullName()),
                    e.getProcessSpawnFailed().getProcess());
            case HEALTH_CHANGED -> upsert(new ProcKey(d.label, e.getHealthChanged().getProcess().getFullName()),
                    e.getHealthChanged().getProcess());
            case CONFIG_RELOADED -> removeProcesses(d.label, e.getConfigReloaded().getDiff());
            case PROGRAM_REMOVED -> removeProcesses(d.label, e.getProgramRemoved().getDiff());
            case PROGRAM_UPDATED -> removeProcesses(d.label, e.getProgramUpdated().getDiff());
            case LOG_WRITING_STOPPED -> {
                var s = e.getLogWritingStopped();
                Row r = rows.get(new ProcKey(d.label, s.getProcessName()));
                if (r != null) {
                    r.logWriting("STOPPED since " + dev.taskmaster.client.ProcessText.dateTime(e.getTime(), java.time.ZoneId.systemDefault()) + ": " + s.getReason() + " (on_log_full: "
                            + s.getPolicy().name().replace("LOG_FULL_POLICY_", "").toLowerCase(java.util.Locale.ROOT) + ")");
                }
            }
            case LOG_WRITING_RESUMED -> {
                var w = e.getLogWritingResumed();
                Row r = rows.get(new ProcKey(d.label, w.getProcessName()));
                if (r != null) {
                    r.logWriting("resumed at " + dev.taskmaster.client.ProcessText.dateTime(e.getTime(), java.time.ZoneId.systemDefault()) + " after "
                            + dev.taskmaster.client.ProcessText.shortDuration(w.getStoppedFor()) + " (" + w.getReason() + "); "
                            + w.getLinesLost() + " lines (" + w.getBytesLost() + " bytes) lost");
                }
            }
            default -> { }
        }
        EventText.Text t = EventText.of(e);
        ticker.add(new Ticker.Entry(Fmt.instant(e.getTime()), tag(d.label), t.text(), t.severity()));
    }

    private void removeProcesses(String label, ConfigDiff diff) {
        for (String name : diff.getRemovedProcessesList()) {
            rows.remove(new ProcKey(label, name));
        }
    }

    /**
     * Processes a configuration change added, as listed by ListProcesses afterwards. A process
     * that has no event yet (autostart false) would otherwise never appear; one this client
     * already has is left alone, since events may be newer than the listing.
     */
    void added(String label, List<ProcessInfo> listed) {
        for (ProcessInfo p : listed) {
            rows.computeIfAbsent(new ProcKey(label, p.getFullName()), k -> new Row(k, p));
        }
    }

    /** CPU and memory samples from a ListProcesses poll: only usage is taken, state comes from events. */
    void usage(String label, List<ProcessInfo> listed) {
        for (ProcessInfo p : listed) {
            Row r = rows.get(new ProcKey(label, p.getFullName()));
            if (r != null && !r.stale()) {
                r.usage(p.hasUsage() && Row.running(r.state()) ? p.getUsage() : null);
            }
        }
    }

    private Row upsert(ProcKey k, ProcessInfo p) {
        Row r = rows.get(k);
        if (r == null) {
            r = new Row(k, p);
            rows.put(k, r);
        } else {
            r.update(p);
        }
        return r;
    }

    /** The daemon label to show in ticker lines: empty when there is only one daemon. */
    private String tag(String label) {
        return severalDaemons() ? label : "";
    }

    Row row(ProcKey k) {
        return rows.get(k);
    }

    Collection<Row> rows() {
        return rows.values();
    }

    /** Processes per state, of connected daemons only (stale rows are counted apart). */
    Map<ProcessState, Integer> counts() {
        Map<ProcessState, Integer> counts = new EnumMap<>(ProcessState.class);
        for (Row r : rows.values()) {
            if (!r.stale()) {
                counts.merge(r.state(), 1, Integer::sum);
            }
        }
        return counts;
    }

    int staleCount() {
        return (int) rows.values().stream().filter(Row::stale).count();
    }

    // ---- the table as shown ------------------------------------------------------------------

    /** The table's lines, after filter, grouping, collapse and sort. */
    List<Line> lines() {
        return TableLines.build(rows.values(), List.copyOf(daemons.keySet()), filter, collapsed, sort, reversed, now());
    }

    /** The selected line, or null when the table is empty. */
    Line selected() {
        return selected(lines());
    }

    Line selected(List<Line> lines) {
        if (lines.isEmpty()) {
            return null;
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).id().equals(selectedId)) {
                selectedIndex = i;
                return lines.get(i);
            }
        }
        selectedIndex = Math.max(0, Math.min(selectedIndex, lines.size() - 1));
        selectedId = lines.get(selectedIndex).id();
        return lines.get(selectedIndex);
    }

    /** The process whose output the pane follows: the selected process, or none for a group or an empty table. */
    ProcKey selectedProcess() {
        return selected() instanceof Line.Process p ? p.row().key : null;
    }

    int selectedIndex() {
        selected();
        return selectedIndex;
    }

    void move(int delta) {
        List<Line> lines = lines();
        if (lines.isEmpty()) {
            return;
        }
        selected(lines);
        selectedIndex = Math.max(0, Math.min(lines.size() - 1, selectedIndex + delta));
        selectedId = lines.get(selectedIndex).id();
    }

    void first() {
        move(Integer.MIN_VALUE / 2);
    }

    void last() {
        move(Integer.MAX_VALUE / 2);
    }

    /** The first table line to show in {@code height} lines so that the selection is visible. */
    int top(int height, List<Line> lines) {
        selected(lines);
        int sel = selectedIndex;
        int count = lines.size();
        if (sel < top) {
            top = sel;
        } else if (height > 0 && sel >= top + height) {
            top = sel - height + 1;
        }
        top = Math.max(0, Math.min(top, Math.max(0, count - height)));
        return top;
    }

    String filter() {
        return filter;
    }

    void filter(String f) {
        filter = f;
    }

    boolean filterEditing() {
        return filterEditing;
    }

    void filterEditing(boolean on) {
        filterEditing = on;
    }

    Sort sort() {
        return sort;
    }

    boolean reversed() {
        return reversed;
    }

    void nextSort() {
        sort = Sort.values()[(sort.ordinal() + 1) % Sort.values().length];
    }

    void reverse() {
        reversed = !reversed;
    }

    /** Collapses or expands the group of the selected line (a process of a group, or its header). */
    void toggleGroup() {
        Line sel = selected();
        String id = switch (sel) {
            case null -> null;
            case Line.Group g -> g.id();
            case Line.Process p -> p.grouped() ? new Line.Group(p.daemon(), p.row().group(), List.of(), false).id() : null;
        };
        if (id == null) {
            return;
        }
        if (!collapsed.remove(id)) {
            collapsed.add(id);
        }
        selectedId = id; // the header stays selected, whichever way it went
    }

    // ---- overlays and messages ---------------------------------------------------------------

    Overlay overlay() {
        return overlay;
    }

    void overlay(Overlay o) {
        overlay = o;
    }

    /** A one-line message in the footer (the result of an action, an error). */
    void message(String text, boolean error) {
        message = text;
        messageError = error;
        messageAt = now();
    }

    String message() {
        return message;
    }

    boolean messageError() {
        return messageError;
    }

    Instant messageAt() {
        return messageAt;
    }

    boolean quit() {
        return quit;
    }

    void requestQuit() {
        quit = true;
    }
}
