package dev.taskmaster.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ProcessState;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys to model changes and {@link Actions}. Runs on the UI thread; every key is handled to
 * completion before the next (RPCs are only started here, never waited for).
 */
final class Controller {

    private final ScreenModel model;
    private final Actions actions;
    private final KeyMap keyMap;

    Controller(ScreenModel model, Actions actions) {
        this(model, actions, KeyMap.NONE);
    }

    /** @param keyMap the user's extra keys for the table's actions */
    Controller(ScreenModel model, Actions actions, KeyMap keyMap) {
        this.model = model;
        this.actions = actions;
        this.keyMap = keyMap;
    }

    void handle(KeyStroke k) {
        if (k.getKeyType() == KeyType.EOF) {
            model.requestQuit();
            return;
        }
        if (isCtrl(k, 'c')) {
            model.requestQuit();
            return;
        }
        if (model.filterEditing()) {
            filterKey(k);
            return;
        }
        if (model.output.searchEditing) {
            searchKey(k);
            return;
        }
        switch (model.overlay()) {
            case Overlay.Help h -> helpKey(k, h);
            case Overlay.Details d -> detailsKey(k, d);
            case Overlay.SignalPicker p -> pickerKey(k, p);
            case Overlay.Confirm c -> confirmKey(k, c);
            case null -> {
                if (model.output.focused) {
                    paneKey(k);
                } else {
                    normalKey(k);
                }
            }
        }
    }

    private static boolean isCtrl(KeyStroke k, char c) {
        return k.getKeyType() == KeyType.Character && k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == c;
    }

    private static char ch(KeyStroke k) {
        return k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown() ? k.getCharacter() : 0;
    }

    private void normalKey(KeyStroke k) {
        switch (k.getKeyType()) {
            case ArrowDown -> model.move(1);
            case ArrowUp -> model.move(-1);
            case Home -> model.first();
            case End -> model.last();
            case PageDown -> model.move(Math.max(1, model.tableHeight - 1));
            case PageUp -> model.move(-Math.max(1, model.tableHeight - 1));
            case Enter -> {
                if (model.selected() instanceof Line.Group) {
                    model.toggleGroup();
                } else {
                    attach();
                }
            }
            case Escape -> {
                model.filter("");
                model.message("", false);
            }
            case F1 -> model.overlay(new Overlay.Help());
            case Tab -> model.output.focused = true;
            case Character -> normalChar(keyMap.translate(ch(k)));
            default -> { }
        }
    }

    private void normalChar(char c) {
        switch (c) {
            case 'q' -> model.requestQuit();
            case 'j' -> model.move(1);
            case 'k' -> model.move(-1);
            case 'g' -> model.first();
            case 'G' -> model.last();
            case '?' -> model.overlay(new Overlay.Help());
            case '/' -> {
                model.filterEditing(true);
                model.filter("");
            }
            case 'o' -> model.nextSort();
            case 'O' -> model.reverse();
            case ' ' -> model.toggleGroup();
            case '[' -> model.output.scrollBy(Math.max(1, model.outputHeight / 2), model.outputHeight);
            case ']' -> model.output.scrollBy(-Math.max(1, model.outputHeight / 2), model.outputHeight);
            case 's' -> act("start", false, (t) -> actions.start(t.daemon, t.targets, t.what));
            case 'x' -> act("stop", true, (t) -> actions.stop(t.daemon, t.targets, t.what));
            case 'r' -> act("restart", true, (t) -> actions.restart(t.daemon, t.targets, t.what));
            case 'p' -> act("pause", true, (t) -> {
                if (t.allPaused) {
                    actions.resume(t.daemon, t.targets, t.what);
                } else {
                    actions.pause(t.daemon, t.targets, t.what);
                }
            });
            case 'K' -> {
                Target t = target();
                if (t != null) {
                    model.overlay(new Overlay.SignalPicker(t.daemon, t.targets, t.what, 0));
                }
            }
            case 'a' -> attach();
            case 'd' -> details();
            case 'L' -> {
                model.output.full = true;
                model.output.focused = true;
            }
            case 'R' -> daemonAction("Reload the configuration of %s?", actions::reload);
            case 'Q' -> daemonAction("Shut down taskmasterd %s? It stops every process it runs.", actions::shutdown);
            case 'X' -> model.overlay(new Overlay.Confirm("Stop every process of "
                    + (model.severalDaemons() ? "every connected daemon" : "the daemon") + "?", actions::stopAll));
            default -> { }
        }
    }

    /** What an action applies to: the selected process, or every process of the selected group. */
    private record Target(String daemon, List<String> targets, String what, boolean many, boolean allPaused) {}

    private Target target() {
        Line sel = model.selected();
        Target t = switch (sel) {
            case null -> null;
            case Line.Process p -> new Target(p.daemon(), List.of(p.row().key.fullName()), p.row().key.fullName(), false,
                    p.row().state() == ProcessState.PROCESS_STATE_PAUSED);
            case Line.Group g -> new Target(g.daemon(), List.of(g.group() + ":*"),
                    "group " + g.group() + " (" + g.members().size() + " processes)", g.members().size() > 1,
                    g.members().stream().allMatch(r -> r.state() == ProcessState.PROCESS_STATE_PAUSED));
        };
        if (t == null) {
            model.message("nothing selected", true);
            return null;
        }
        if (model.daemon(t.daemon).link != DaemonView.Link.CONNECTED) {
            model.message("taskmasterd " + t.daemon + " is not connected; its rows are its last known state", true);
            return null;
        }
        return t;
    }

    private void act(String verb, boolean confirmMany, java.util.function.Consumer<Target> run) {
        Target t = target();
        if (t == null) {
            return;
        }
        if (confirmMany && t.many) {
            model.overlay(new Overlay.Confirm(Character.toUpperCase(verb.charAt(0)) + verb.substring(1) + " " + t.what + "?",
                    () -> run.accept(t)));
        } else {
            run.accept(t);
        }
    }

    private void daemonAction(String question, java.util.function.Consumer<String> run) {
        Line sel = model.selected();
        String daemon = sel != null ? sel.daemon() : model.daemons().iterator().next().label;
        if (model.daemon(daemon).link != DaemonView.Link.CONNECTED) {
            model.message("taskmasterd " + daemon + " is not connected", true);
            return;
        }
        model.overlay(new Overlay.Confirm(String.format(question, daemon), () -> run.accept(daemon)));
    }

    private void attach() {
        if (!(model.selected() instanceof Line.Process p)) {
            model.message("select a process to attach to", true);
            return;
        }
        if (model.daemon(p.daemon()).link != DaemonView.Link.CONNECTED) {
            model.message("taskmasterd " + p.daemon() + " is not connected", true);
            return;
        }
        actions.attach(p.row().key);
    }

    private void details() {
        if (!(model.selected() instanceof Line.Process p)) {
            model.message("select a process to see its details", true);
            return;
        }
        model.overlay(new Overlay.Details(p.row().key, List.of(), 0));
        actions.details(p.row().key);
    }

    /** Keys while the output pane has them: search, wrap, follow, streams, full screen, scrolling. */
    private void paneKey(KeyStroke k) {
        OutputPane pane = model.output;
        int page = Math.max(1, model.outputHeight / 2);
        switch (k.getKeyType()) {
            case Escape, Tab -> {
                pane.focused = false;
                pane.full = false;
            }
            case ArrowUp -> pane.scrollBy(1, model.outputHeight);
            case ArrowDown -> pane.scrollBy(-1, model.outputHeight);
            case PageUp -> pane.scrollBy(page * 2, model.outputHeight);
            case PageDown -> pane.scrollBy(-page * 2, model.outputHeight);
            case F1 -> model.overlay(new Overlay.Help());
            case Character -> {
                switch (ch(k)) {
                    case 'q' -> model.requestQuit();
                    case '?' -> model.overlay(new Overlay.Help());
                    case '/' -> {
                        pane.searchEditing = true;
                        pane.search("");
                    }
                    case 'n' -> find(false);
                    case 'N' -> find(true);
                    case 'w' -> pane.toggleWrap();
                    case 'f' -> pane.toggleFollow();
                    case 'e' -> pane.nextStreams();
                    case 'L' -> pane.full = !pane.full;
                    case 'k' -> pane.scrollBy(1, model.outputHeight);
                    case 'j' -> pane.scrollBy(-1, model.outputHeight);
                    case '[' -> pane.scrollBy(page, model.outputHeight);
                    case ']' -> pane.scrollBy(-page, model.outputHeight);
                    case 'G' -> pane.scrollBy(-Integer.MAX_VALUE / 2, model.outputHeight);
                    default -> { }
                }
            }
            default -> { }
        }
    }

    /** The next match of the pane's search: {@code n} looks back into older output (the newest lines are already in view), {@code N} forward. */
    private void find(boolean newer) {
        OutputPane pane = model.output;
        if (pane.search().isEmpty()) {
            model.message("no search: type / and the text to find", true);
            return;
        }
        if (!pane.findNext(!newer, PaneView.filtered(pane, List.of()), pane.width, model.outputHeight)) {
            model.message("\"" + pane.search() + "\" is not in the output", true);
        }
    }

    private void searchKey(KeyStroke k) {
        OutputPane pane = model.output;
        switch (k.getKeyType()) {
            case Enter -> {
                pane.searchEditing = false;
                if (!pane.search().isEmpty()) {
                    find(false);
                }
            }
            case Escape -> {
                pane.searchEditing = false;
                pane.search("");
            }
            case Backspace -> {
                String f = pane.search();
                pane.search(f.isEmpty() ? f : f.substring(0, f.length() - 1));
            }
            case Character -> {
                char c = ch(k);
                if (c >= ' ') {
                    pane.search(pane.search() + c);
                }
            }
            default -> { }
        }
    }

    private void filterKey(KeyStroke k) {
        switch (k.getKeyType()) {
            case Enter -> model.filterEditing(false);
            case Escape -> {
                model.filterEditing(false);
                model.filter("");
            }
            case Backspace -> {
                String f = model.filter();
                model.filter(f.isEmpty() ? f : f.substring(0, f.length() - 1));
            }
            case Character -> {
                char c = ch(k);
                if (c >= ' ') {
                    model.filter(model.filter() + c);
                }
            }
            default -> { }
        }
    }

    private void helpKey(KeyStroke k, Overlay.Help h) {
        char c = ch(k);
        if (k.getKeyType() == KeyType.Escape || c == '?' || c == 'q' || k.getKeyType() == KeyType.Enter) {
            model.overlay(null);
        } else if (c == 'j' || k.getKeyType() == KeyType.ArrowDown) {
            // The renderer stops at the last line; this bound only keeps k from having far to come back.
            model.overlay(new Overlay.Help(Math.min(Keys.TABLE.size() * 2, h.scroll() + 1)));
        } else if (c == 'k' || k.getKeyType() == KeyType.ArrowUp) {
            model.overlay(new Overlay.Help(Math.max(0, h.scroll() - 1)));
        }
    }

    private void detailsKey(KeyStroke k, Overlay.Details d) {
        char c = ch(k);
        if (k.getKeyType() == KeyType.Escape || c == 'd' || c == 'q' || k.getKeyType() == KeyType.Enter) {
            model.overlay(null);
        } else if (c == 'j' || k.getKeyType() == KeyType.ArrowDown) {
            model.overlay(new Overlay.Details(d.key(), d.lines(), Math.min(Math.max(0, d.lines().size() - 1), d.scroll() + 1)));
        } else if (c == 'k' || k.getKeyType() == KeyType.ArrowUp) {
            model.overlay(new Overlay.Details(d.key(), d.lines(), Math.max(0, d.scroll() - 1)));
        }
    }

    private void pickerKey(KeyStroke k, Overlay.SignalPicker p) {
        char c = ch(k);
        int n = Keys.SIGNALS.size();
        if (k.getKeyType() == KeyType.Escape || c == 'q') {
            model.overlay(null);
        } else if (c == 'j' || k.getKeyType() == KeyType.ArrowDown) {
            model.overlay(new Overlay.SignalPicker(p.daemon(), p.targets(), p.what(), (p.index() + 1) % n));
        } else if (c == 'k' || k.getKeyType() == KeyType.ArrowUp) {
            model.overlay(new Overlay.SignalPicker(p.daemon(), p.targets(), p.what(), (p.index() + n - 1) % n));
        } else if (k.getKeyType() == KeyType.Enter) {
            model.overlay(null);
            actions.signal(p.daemon(), p.targets(), Keys.SIGNALS.get(p.index()), p.what());
        }
    }

    private void confirmKey(KeyStroke k, Overlay.Confirm c) {
        model.overlay(null);
        if (ch(k) == 'y' || ch(k) == 'Y') {
            c.onYes().run();
        } else {
            model.message("cancelled", false);
        }
    }

    private static final java.util.regex.Pattern AGO = java.util.regex.Pattern.compile("\\d+:\\d{2}:\\d{2} ago");
    private static final java.util.regex.Pattern UPTIME = java.util.regex.Pattern.compile("uptime \\d+:\\d{2}:\\d{2}");

    /**
     * The daemon's description with its durations brought up to {@code now}: the daemon words it
     * when the state changes ("stopped 0:00:00 ago", "uptime 0:00:00") and sends it again only
     * on the next change, so a duration in it is as old as the state. The last exit's time and
     * the start time say how long it really is.
     */
    static String liveDescription(dev.taskmaster.proto.v1.ProcessInfo p, java.time.Instant now) {
        String d = p.getDescription();
        if (p.hasLastExit() && p.getLastExit().hasTime() && (p.getState() == ProcessState.PROCESS_STATE_STOPPED
                || p.getState() == ProcessState.PROCESS_STATE_EXITED)) {
            long ago = Math.max(0, now.getEpochSecond() - p.getLastExit().getTime().getSeconds());
            d = AGO.matcher(d).replaceFirst(ProcessText.hms(ago) + " ago");
        }
        if (p.hasStartTime() && p.getPid() > 0) {
            long up = Math.max(0, now.getEpochSecond() - p.getStartTime().getSeconds());
            d = UPTIME.matcher(d).replaceFirst("uptime " + ProcessText.hms(up));
        }
        return d;
    }

    /** The lines of the details overlay for {@code key}: process facts now, spec lines when they come. */
    static List<String> detailLines(Row row, List<String> spec, java.time.ZoneId zone, java.time.Instant now) {
        return detailLines(row, spec, zone, now, List.of(row));
    }

    /** As {@link #detailLines(Row, List, java.time.ZoneId, java.time.Instant)}; {@code all}: every row, for what a process depends on. */
    static List<String> detailLines(Row row, List<String> spec, java.time.ZoneId zone, java.time.Instant now,
            java.util.Collection<Row> all) {
        List<String> out = new ArrayList<>();
        var p = row.info();
        out.add(p.getFullName() + "  (program " + p.getProgram() + ", group " + row.group() + ")");
        out.add("state:        " + ProcessText.state(p.getState()) + (row.stale() ? " (last known; daemon disconnected)" : "")
                + " - " + (row.stale() ? p.getDescription() : liveDescription(p, now)));
        out.add("pid:          " + (p.getPid() > 0 ? p.getPid() : "-"));
        out.addAll(DependencyLines.of(row, all));
        if (p.hasStartTime()) {
            out.add("started:      " + ProcessText.dateTime(p.getStartTime(), zone));
        }
        out.add("restarts:     " + p.getRestartCount() + "   failed starts: " + p.getStartFailures());
        if (!p.getSpawnError().isEmpty()) {
            out.add("spawn error:  " + p.getSpawnError());
        }
        if (p.hasHealth()) {
            var h = p.getHealth();
            out.add("health:       " + h.getStatus().name().replace("HEALTH_STATUS_", "") + ", " + h.getConsecutiveFailures()
                    + " failed probes in a row" + (h.getLastProbeOutput().isEmpty() ? "" : ": " + h.getLastProbeOutput().strip()));
        } else {
            out.add("health:       no health check");
        }
        if (!p.getStdoutLogPath().isEmpty()) {
            out.add("stdout log:   " + p.getStdoutLogPath());
        }
        if (!p.getStderrLogPath().isEmpty()) {
            out.add("stderr log:   " + p.getStderrLogPath());
        }
        if (row.logWriting() != null) {
            out.add("log writing:  " + row.logWriting());
        }
        out.add("last exits (newest first):");
        if (row.exits().isEmpty()) {
            out.add("  none seen");
        }
        for (var e : row.exits()) {
            out.add("  " + (e.hasTime() ? ProcessText.dateTime(e.getTime(), zone) + "  " : "") + ProcessText.exit(e)
                    + (e.getPid() > 0 ? ", pid " + e.getPid() : "") + (e.hasRunTime() ? ", ran " + ProcessText.hms(e.getRunTime()) : ""));
        }
        out.add("program spec:");
        out.addAll(spec.isEmpty() ? List.of("  (asking the daemon...)") : spec);
        return out;
    }
}
