package dev.taskmaster.tui;

import static dev.taskmaster.tui.P.fatal;
import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ResourceUsage;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real render path (TuiApp.render: clear, draw, delta refresh) on Lanterna's virtual terminal, read back as text. */
class RendererTest {

    private final DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(80, 24));
    private TerminalScreen screen;
    private ScreenModel model;
    private TuiApp app;

    private void start(ScreenModel m) throws Exception {
        model = m;
        screen = new TerminalScreen(vt);
        screen.startScreen();
        app = new TuiApp(m, screen, new Renderer(ZoneOffset.UTC));
    }

    @AfterEach
    void stop() throws Exception {
        if (screen != null) {
            screen.stopScreen();
        }
    }

    private List<String> grid() throws Exception {
        app.render();
        TerminalSize size = vt.getTerminalSize();
        List<String> rows = new ArrayList<>();
        for (int r = 0; r < size.getRows(); r++) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < size.getColumns(); c++) {
                b.append(vt.getCharacter(c, r).getCharacterString());
            }
            rows.add(b.toString().stripTrailing());
        }
        return rows;
    }

    private int rowOf(List<String> grid, String text) {
        for (int i = 0; i < grid.size(); i++) {
            if (grid.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("\"" + text + "\" is not on the screen:\n" + String.join("\n", grid));
    }

    private ScreenModel sample() {
        ResourceUsage u = ResourceUsage.newBuilder().setCpuPercent(1.5).setRssBytes(12 << 20).build();
        ProcessInfo web = running("web", 4242);
        ScreenModel m = P.model(snapshot("j", 9, web, running("worker:0", "worker", 4300, 5), running("worker:1", "worker", 4301, 5),
                fatal("broken")));
        m.serverInfo("default", GetServerInfoResponse.newBuilder().setVersion("0.1.0").setHostname("box")
                .setUptime(com.google.protobuf.Duration.newBuilder().setSeconds(3723)).build());
        m.usage("default", List.of(web.toBuilder().setUsage(u).build()));
        m.first();
        m.move(1); // web
        m.output.reset(new ProcKey("default", "web"), "");
        m.output.append(OutputStream.OUTPUT_STREAM_STDOUT, "listening on :8080\n".getBytes());
        m.output.append(OutputStream.OUTPUT_STREAM_STDERR, "warning: slow disk\n".getBytes());
        return m;
    }

    @Test
    void everyPartFitsAt80x24() throws Exception {
        start(sample());
        List<String> g = grid();
        assertThat(g).hasSize(24).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
        assertThat(g.get(0)).startsWith("taskmaster-tui  default: taskmasterd 0.1.0 on box, up 1:02:03");
        assertThat(g.get(1)).startsWith("4 processes: 3 RUNNING 1 FATAL  CPU 1.5% RSS 12.0M  sort name");
        assertThat(g.get(2)).matches("NAME +GROUP +STATE +PID +UPTIME +RST +LAST EXIT +CPU% +RSS");
        assertThat(g.get(3)).matches("broken +broken +FATAL +- +- +3 +exit 1! +- +-");
        assertThat(g.get(4)).matches("web +web +RUNNING +4242 +0:01:02 +0 +- +1\\.5 +12\\.0M");
        assertThat(g.get(5)).isEqualTo("- worker (2): 2 running");
        assertThat(g.get(6)).matches("  worker:0 +worker +RUNNING +4300 +0:00:05 +0 +- +- +-");
        int out = rowOf(g, "-- output of web ");
        assertThat(g.get(out + 1)).isEqualTo("listening on :8080");
        assertThat(g.get(out + 2)).isEqualTo("warning: slow disk");
        int events = rowOf(g, "-- events ---");
        assertThat(g.get(events + 1)).contains("connected: 4 processes at event #9");
        assertThat(g.get(23)).startsWith("q quit  ? help  s start  x stop");

        // Colours: FATAL stands out on red, RUNNING is green, stderr is red.
        int state = g.get(2).indexOf("STATE");
        assertThat(vt.getCharacter(state, 3).getBackgroundColor()).isEqualTo(TextColor.ANSI.RED);
        assertThat(vt.getCharacter(state, 4).getForegroundColor()).isEqualTo(TextColor.ANSI.GREEN);
        assertThat(vt.getCharacter(0, out + 2).getForegroundColor()).isEqualTo(TextColor.ANSI.RED);
        // The selected row (web) is in reverse video, the others are not.
        assertThat(vt.getCharacter(0, 4).getModifiers()).contains(com.googlecode.lanterna.SGR.REVERSE);
        assertThat(vt.getCharacter(0, 3).getModifiers()).doesNotContain(com.googlecode.lanterna.SGR.REVERSE);
    }

    @Test
    void healthIsAColouredColumnWhenSomeProcessHasACheck() throws Exception {
        ProcessInfo sick = P.running("api", 4500).toBuilder().setHealth(dev.taskmaster.proto.v1.HealthInfo.newBuilder()
                .setStatus(dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_UNHEALTHY)).build();
        ProcessInfo fine = P.running("db", 4501).toBuilder().setHealth(dev.taskmaster.proto.v1.HealthInfo.newBuilder()
                .setStatus(dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_HEALTHY)).build();
        ScreenModel m = P.model(snapshot("j", 3, sick, fine, P.running("job", 4502)));
        m.first();
        start(m);
        List<String> g = grid();
        assertThat(g.get(2)).matches("NAME +GROUP +STATE +HEALTH +PID +UPTIME +RST +LAST EXIT +CPU%"); // RSS gave way
        int api = rowOf(g, "api");
        int db = rowOf(g, "db ");
        assertThat(g.get(api)).matches("api +api +RUNNING +UNHEALTHY +4500 .*");
        assertThat(g.get(rowOf(g, "job"))).matches("job +job +RUNNING +- +4502 .*");
        int health = g.get(2).indexOf("HEALTH");
        assertThat(vt.getCharacter(health, api).getForegroundColor()).isEqualTo(TextColor.ANSI.RED);
        assertThat(vt.getCharacter(health, db).getForegroundColor()).isEqualTo(TextColor.ANSI.GREEN);
    }

    @Test
    void aResizeRedrawsForTheNewSize() throws Exception {
        start(sample());
        grid();
        vt.setTerminalSize(new TerminalSize(100, 30));
        assertThat(app.checkResize()).isTrue();
        assertThat(screen.getTerminalSize()).isEqualTo(new TerminalSize(100, 30));
        List<String> wide = grid();
        assertThat(wide).hasSize(30);
        assertThat(wide.get(29)).startsWith("q quit");
        assertThat(wide.get(2)).endsWith("RSS").hasSizeGreaterThan(90);
        assertThat(wide.get(4)).matches("web +web +RUNNING +4242 .*");

        vt.setTerminalSize(new TerminalSize(50, 16));
        assertThat(app.checkResize()).isTrue();
        List<String> narrow = grid();
        assertThat(narrow).hasSize(16).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(50));
        assertThat(narrow.get(2)).matches("NAME +STATE +UPTIME +RST +LAST EXIT"); // less useful columns dropped
        assertThat(narrow.get(15)).startsWith("q quit");
        assertThat(String.join("\n", narrow)).doesNotContain("listening on :8080\nlistening"); // nothing left over from before

        vt.setTerminalSize(new TerminalSize(30, 8));
        assertThat(app.checkResize()).isTrue();
        assertThat(grid().getFirst()).isEqualTo("terminal too small (30x8); ne~");

        vt.setTerminalSize(new TerminalSize(80, 24));
        assertThat(app.checkResize()).isTrue();
        assertThat(grid().get(3)).matches("broken +broken +FATAL .*");
    }

    @Test
    void aDisconnectedDaemonIsMarkedAndItsRowsAreNotShownAsCurrent() throws Exception {
        ScreenModel m = sample();
        m.disconnected("default", "cannot reach the daemon", P.NOW.plusSeconds(4));
        start(m);
        List<String> g = grid();
        assertThat(g.get(0)).contains("DISCONNECTED (retry in 5s)");
        assertThat(g.get(1)).startsWith("0 processes: 4 last known");
        assertThat(g.get(4)).matches("web +web +RUNNING\\? +- +- +0 +- +- +-");
        assertThat(vt.getCharacter(0, 4).getForegroundColor()).isEqualTo(TextColor.ANSI.BLACK_BRIGHT);
    }

    @Test
    void severalDaemonsShareTheTableWithAHostColumn() throws Exception {
        ScreenModel m = new ScreenModel(P.CLOCK, List.of("alpha", "beta"));
        m.apply("alpha", snapshot("a", 1, running("web", 10)));
        m.apply("beta", snapshot("b", 1, running("web", 20)));
        m.disconnected("beta", "gone", null);
        start(m);
        List<String> g = grid();
        assertThat(g.get(0)).contains(" alpha: ").contains(" beta: ").contains("DISCONNECTED");
        assertThat(g.get(2)).startsWith("HOST    NAME");
        assertThat(g.get(3)).matches("alpha +web +web +RUNNING +10 .*");
        assertThat(g.get(4)).matches("beta +web +web +RUNNING\\? +- .*");
    }

    @Test
    void theHelpOverlayListsEveryKeyAt80x24() throws Exception {
        ScreenModel m = sample();
        m.overlay(new Overlay.Help());
        start(m);
        String screenText = String.join("\n", grid());
        for (Keys.Binding b : Keys.TABLE) {
            assertThat(screenText).contains(b.keys());
        }
        assertThat(screenText).contains("LAST EXIT ending in !: an unexpected exit.");
    }

    @Test
    void theOutputPaneShowsWhyThereIsNoOutput() throws Exception {
        ScreenModel m = sample();
        m.output.reset(new ProcKey("default", "web"), OutputFollower.UNAVAILABLE);
        start(m);
        List<String> g = grid();
        int out = rowOf(g, "-- output of web ");
        assertThat(g.get(out + 1)).isEqualTo("output not available from this daemon");
        assertThat(g.get(out + 2)).isEmpty();
    }

    @Test
    void theFilterIsTypedInTheFooterWithTheCursorThere() throws Exception {
        ScreenModel m = sample();
        m.filterEditing(true);
        m.filter("work");
        start(m);
        List<String> g = grid();
        assertThat(g.get(23)).startsWith("/work");
        assertThat(g.get(3)).isEqualTo("- worker (2): 2 running");
        assertThat(screen.getCursorPosition()).isEqualTo(new com.googlecode.lanterna.TerminalPosition(5, 23));
    }

    // ---- at 80 columns and below (issue 16) ------------------------------------------------------

    private void resize(int cols, int rows) throws Exception {
        vt.setTerminalSize(new TerminalSize(cols, rows));
        app.checkResize();
    }

    @Test
    void theHelpOverlayWrapsWhatIsTooLongInsteadOfCuttingIt() throws Exception {
        ScreenModel m = sample();
        m.overlay(new Overlay.Help());
        start(m);
        for (int[] size : new int[][] {{80, 24}, {120, 40}}) {
            resize(size[0], size[1]);
            String text = String.join("\n", grid());
            assertThat(text).doesNotContain("~"); // Fmt.fit's mark of a cut line
            assertThat(text.replaceAll("\\s*\\|\\n\\s*\\|\\s*", " ")).contains("Enter keeps, Esc clears");
        }
    }

    @Test
    void aHelpOverlayTallerThanTheTerminalScrollsToItsLastLine() throws Exception {
        ScreenModel m = sample();
        m.overlay(new Overlay.Help());
        start(m);
        resize(60, 20);
        List<String> top = grid();
        assertThat(String.join("\n", top)).doesNotContain("an unexpected exit")
                .containsPattern(" 1-18/\\d\\d -\\+"); // which lines are shown, on the bottom edge
        Controller c = new Controller(m, null);
        for (int i = 0; i < 40; i++) {
            c.handle(new com.googlecode.lanterna.input.KeyStroke('j', false, false));
        }
        String end = String.join("\n", grid());
        assertThat(end).contains("LAST EXIT ending in !: an unexpected exit.").contains("q / Ctrl-C");
        assertThat(m.overlay()).isInstanceOf(Overlay.Help.class);
    }

    @Test
    void theTableScrollIndicatorCoversNoColumnTitle() throws Exception {
        List<ProcessInfo> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(running(String.format("job%02d", i), 5000 + i));
        }
        ScreenModel m = P.model(snapshot("j", 1, many.toArray(ProcessInfo[]::new)));
        m.first();
        start(m);
        for (int[] size : new int[][] {{80, 24}, {120, 40}}) {
            resize(size[0], size[1]);
            List<String> g = grid();
            assertThat(g.get(2)).matches("NAME +GROUP +STATE +PID +UPTIME +RST +LAST EXIT +CPU% +RSS");
            int divider = rowOf(g, "-- output");
            assertThat(g.get(divider)).matches("-- output .* 1-\\d+/30 --");
        }
    }

    @Test
    void theHeaderKeepsDisconnectedAndTheSortOrderAt80Columns() throws Exception {
        ScreenModel m = new ScreenModel(P.CLOCK, List.of("production-web-frontend-1", "staging-batch-2"));
        GetServerInfoResponse info = GetServerInfoResponse.newBuilder().setVersion("0.1.0-SNAPSHOT").setHostname("a-long-host-name")
                .setUptime(com.google.protobuf.Duration.newBuilder().setSeconds(3723)).build();
        m.serverInfo("production-web-frontend-1", info);
        m.serverInfo("staging-batch-2", info);
        m.apply("production-web-frontend-1", snapshot("a", 1, running("web", 10), fatal("broken"), P.stopped("idle"),
                P.proc("slow", "slow", dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_STARTING).build(),
                P.proc("later", "later", dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_BACKOFF).build(),
                P.proc("held", "held", dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_PAUSED).build()));
        m.apply("staging-batch-2", snapshot("b", 1, running("job", 20)));
        m.disconnected("staging-batch-2", "gone", P.NOW.plusSeconds(4));
        m.reverse();
        start(m);
        for (int[] size : new int[][] {{80, 24}, {60, 20}}) {
            resize(size[0], size[1]);
            List<String> g = grid();
            assertThat(g.get(0)).contains("staging-batch-2: DISCONNECTED (retry in 5s)");
            assertThat(g.get(1)).endsWith("sort name (reversed)");
        }
    }

    @Test
    void anUnreachableDaemonSaysWhereAndWhyInTheEmptyTable() throws Exception {
        ScreenModel m = new ScreenModel(P.CLOCK, List.of("default"));
        m.disconnected("default", "cannot reach taskmasterd at /run/user/0/taskmaster/default.sock (no such socket: is the daemon running?)",
                P.NOW.plusSeconds(2));
        start(m);
        List<String> g = grid();
        assertThat(g.get(rowOf(g, "   socket: is the daemon running?)") + 1)).startsWith("-- output"); // the table grew for it
        String text = String.join("\n", g);
        assertThat(text).contains(" cannot reach taskmasterd at /run/user/0/taskmaster/default.sock (no such\n")
                .contains("   socket: is the daemon running?)"); // wrapped, not cut
    }

    @Test
    void theDetailsSayHowLongAgoAProcessStoppedNow() throws Exception {
        // The daemon worded it when the process stopped, 34 s before this screen's now.
        ProcessInfo quiet = P.proc("quiet", "quiet", dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_STOPPED)
                .setDescription("stopped 0:00:00 ago").setLastExit(P.killed("TERM", 15, 77).toBuilder().setExpected(true)
                        .setTime(P.ts(P.NOW.minusSeconds(34)))).build();
        ScreenModel m = P.model(snapshot("j", 1, quiet));
        m.first();
        m.overlay(new Overlay.Details(new ProcKey("default", "quiet"), List.of(), 0));
        start(m);
        assertThat(String.join("\n", grid())).contains("state:        STOPPED - stopped 0:00:34 ago");
    }
}
