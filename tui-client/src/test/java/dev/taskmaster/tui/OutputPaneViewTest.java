package dev.taskmaster.tui;

import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessState;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The log pane's keys (search, wrap, follow, streams, full screen) through the Controller and the real render path. */
class OutputPaneViewTest {

    private final DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(80, 24));
    private TerminalScreen screen;
    private ScreenModel m;
    private TuiApp app;
    private Controller keys;

    @BeforeEach
    void start() throws Exception {
        m = P.model(snapshot("j", 1, running("web", 4242)));
        m.first();
        m.output.reset(new ProcKey("default", "web"), "");
        for (int i = 1; i <= 40; i++) {
            m.output.append(i % 10 == 0 ? OutputStream.OUTPUT_STREAM_STDERR : OutputStream.OUTPUT_STREAM_STDOUT,
                    (i % 10 == 0 ? "error number " + i : "GET /health 200 (" + i + ")").concat("\n").getBytes());
        }
        screen = new TerminalScreen(vt);
        screen.startScreen();
        app = new TuiApp(m, screen, new Renderer(ZoneOffset.UTC));
        keys = new Controller(m, null);
    }

    @AfterEach
    void stop() throws Exception {
        screen.stopScreen();
    }

    private void type(String s) {
        for (char c : s.toCharArray()) {
            keys.handle(new KeyStroke(c, false, false));
        }
    }

    private void key(KeyType t) {
        keys.handle(new KeyStroke(t));
    }

    private List<String> grid() throws Exception {
        app.render();
        List<String> rows = new ArrayList<>();
        TerminalSize size = vt.getTerminalSize();
        for (int r = 0; r < size.getRows(); r++) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < size.getColumns(); c++) {
                b.append(vt.getCharacter(c, r).getCharacterString());
            }
            rows.add(b.toString().stripTrailing());
        }
        return rows;
    }

    private static int rowOf(List<String> g, String text) {
        for (int i = 0; i < g.size(); i++) {
            if (g.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aSearchFindsOlderOutputAndMarksIt() throws Exception {
        grid();
        key(KeyType.Tab);
        type("/error number 10");
        key(KeyType.Enter);
        List<String> g = grid();
        int row = g.indexOf("error number 10");
        assertThat(row).isPositive(); // scrolled back to it: it was not on screen
        int col = 0;
        assertThat(vt.getCharacter(col, row).getModifiers()).contains(SGR.REVERSE);
        assertThat(vt.getCharacter(col, row).getForegroundColor()).isEqualTo(TextColor.ANSI.YELLOW);
        assertThat(g.get(rowOf(g, "-- output of web"))).contains("[/error number 10]");

        // n goes further back: the search wraps round to the newest match, the only other one is none.
        type("/number");
        key(KeyType.Enter);
        grid();
        int first = m.output.match();
        type("n");
        assertThat(m.output.match()).isLessThan(first);
        type("N");
        assertThat(m.output.match()).isEqualTo(first);

        type("/nowhere");
        key(KeyType.Enter);
        assertThat(grid().get(23)).contains("\"nowhere\" is not in the output");
    }

    @Test
    void theStreamFilterShowsStdoutOnlyThenStderrOnly() throws Exception {
        key(KeyType.Tab);
        type("e");
        String out = String.join("\n", grid());
        assertThat(out).contains("GET /health 200 (39)").doesNotContain("error number").contains("[stdout only]");
        type("e");
        out = String.join("\n", grid());
        assertThat(out).contains("error number 40").doesNotContain("GET /health").contains("[stderr only]");
        type("e");
        assertThat(String.join("\n", grid())).contains("error number 40").contains("GET /health 200 (39)");
    }

    @Test
    void wrapShowsAllOfALongLine() throws Exception {
        String longLine = "x".repeat(100) + "END";
        m.output.append(OutputStream.OUTPUT_STREAM_STDOUT, (longLine + "\n").getBytes());
        assertThat(String.join("\n", grid())).doesNotContain("END");
        key(KeyType.Tab);
        type("w");
        List<String> g = grid();
        assertThat(g).contains("x".repeat(80), "x".repeat(20) + "END");
    }

    @Test
    void withFollowOffNewOutputDoesNotMoveThePane() throws Exception {
        key(KeyType.Tab);
        type("f");
        List<String> before = grid();
        int out = rowOf(before, "-- output of web");
        String firstShown = before.get(out + 1);
        m.output.append(OutputStream.OUTPUT_STREAM_STDOUT, "new line 1\nnew line 2\n".getBytes());
        List<String> after = grid();
        assertThat(after.get(out + 1)).isEqualTo(firstShown);
        assertThat(String.join("\n", after)).doesNotContain("new line 2").contains("not following");
        type("f"); // following again: to the end
        assertThat(String.join("\n", grid())).contains("new line 2");
    }

    @Test
    void theFullScreenLogTakesTheScreenAndEscGivesItBack() throws Exception {
        type("L");
        List<String> g = grid();
        assertThat(g.get(2)).startsWith("-- output of web");
        assertThat(rowOf(g, "-- events")).isEqualTo(-1);
        assertThat(g.get(22)).isEqualTo("error number 40");
        assertThat(g.get(23)).startsWith("Esc table");
        assertThat(g.stream().filter(l -> l.startsWith("GET /health") || l.startsWith("error number")).count()).isEqualTo(20);
        key(KeyType.Escape);
        g = grid();
        assertThat(rowOf(g, "-- events")).isPositive();
        assertThat(g.get(23)).startsWith("q quit");
    }

    @Test
    void theSpawnErrorIsShownInThePane() throws Exception {
        var broken = P.proc("broken", "broken", ProcessState.PROCESS_STATE_FATAL)
                .setSpawnError("/nonexistent/cmd: no such file (ENOENT)").build();
        m.apply("default", P.changed(2, ProcessState.PROCESS_STATE_BACKOFF, broken, null, "gave up"));
        m.output.reset(new ProcKey("default", "broken"), "");
        List<String> g = grid();
        int out = rowOf(g, "-- output of broken");
        assertThat(g.get(out + 1)).isEqualTo("[could not start: /nonexistent/cmd: no such file (ENOENT)]");
    }
}
