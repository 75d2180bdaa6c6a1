package dev.taskmaster.tui;

import java.util.List;

/** Every key of the monitor and what it does: the help overlay and docs/tui.md both come from this table. */
final class Keys {

    record Binding(String keys, String action) {}

    static final String DETACH_KEY = "Ctrl-]";

    static final List<Binding> TABLE = List.of(
            new Binding("j k / arrows", "move the selection (g G / Home End: first, last; PgUp PgDn)"),
            new Binding("s", "start the selected process (or group)"),
            new Binding("x", "stop it (a group asks first)"),
            new Binding("r", "restart it (a group asks first)"),
            new Binding("p", "pause it, or resume it when paused"),
            new Binding("K", "send a signal, picked from a list"),
            new Binding("a / Enter", "attach full-screen to its console (" + DETACH_KEY + " detaches)"),
            new Binding("d", "details: the program's spec, last exits, health, log writing"),
            new Binding("Space", "collapse / expand the group"),
            new Binding("/", "filter on name, group, state, daemon; Enter keeps, Esc clears"),
            new Binding("o, O", "next sort column, reverse the order"),
            new Binding("[ , ]", "scroll the output pane back / forward"),
            new Binding("Tab / L", "keys to the output pane; L also makes it full-screen. In it:"),
            new Binding("  / n N", "  search the output; n: next match back, N: forward"),
            new Binding("  w f e", "  wrap lines; follow new output; stdout, stderr or both"),
            new Binding("R", "reload the configuration (asks first)"),
            new Binding("X", "stop every process of every daemon (asks first)"),
            new Binding("Q", "shut the selected daemon down (asks first)"),
            new Binding("? , Esc", "this help; Esc closes a window, clears the filter"),
            new Binding("q / Ctrl-C", "quit (the daemons keep running)"));

    static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "WINCH", "ALRM");

    private Keys() {}
}
