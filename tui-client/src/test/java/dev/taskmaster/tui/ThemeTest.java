package dev.taskmaster.tui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which theme is chosen, and what the none and light themes draw. */
class ThemeTest {

    @Test
    void theOptionThenTheEnvironmentThenNoColorChoose() {
        assertThat(Theme.choose(null, Map.of())).isEqualTo(Theme.DARK);
        assertThat(Theme.choose(null, Map.of("NO_COLOR", "1"))).isEqualTo(Theme.NONE);
        assertThat(Theme.choose(null, Map.of("NO_COLOR", ""))).isEqualTo(Theme.DARK); // set but empty: no request
        assertThat(Theme.choose(null, Map.of("NO_COLOR", "1", Theme.ENV, "light"))).isEqualTo(Theme.LIGHT);
        assertThat(Theme.choose("Dark", Map.of(Theme.ENV, "none"))).isEqualTo(Theme.DARK);
        assertThatThrownBy(() -> Theme.choose("blue", Map.of())).hasMessage("--theme: expected dark, light or none, found \"blue\"");
        assertThatThrownBy(() -> Theme.choose(null, Map.of(Theme.ENV, "neon")))
                .hasMessage(Theme.ENV + ": expected dark, light or none, found \"neon\"");
    }

    /** The cells of one frame, read before the screen is stopped (stopping leaves the private screen). */
    private record Cells(com.googlecode.lanterna.TextCharacter[][] cells) {
        com.googlecode.lanterna.TextCharacter getCharacter(int c, int r) {
            return cells[r][c];
        }
    }

    private static Cells drawn(Theme theme) throws Exception {
        DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(80, 24));
        TerminalScreen screen = new TerminalScreen(vt);
        screen.startScreen();
        com.googlecode.lanterna.TextCharacter[][] cells = new com.googlecode.lanterna.TextCharacter[24][80];
        try {
            ScreenModel m = P.model(P.snapshot("j", 1, P.fatal("broken"), P.running("web", 4242)));
            m.first();
            m.output.reset(new ProcKey("default", "broken"), "attaching to the output..."); // a notice: cyan
            new TuiApp(m, screen, new Renderer(ZoneOffset.UTC, theme)).render();
            for (int r = 0; r < 24; r++) {
                for (int c = 0; c < 80; c++) {
                    cells[r][c] = vt.getCharacter(c, r);
                }
            }
        } finally {
            screen.stopScreen();
        }
        return new Cells(cells);
    }

    @Test
    void noneDrawsNoColourAndStillMarksFatal() throws Exception {
        Cells vt = drawn(Theme.NONE);
        for (int r = 0; r < 24; r++) {
            for (int c = 0; c < 80; c++) {
                assertThat(vt.getCharacter(c, r).getForegroundColor()).isEqualTo(TextColor.ANSI.DEFAULT);
                assertThat(vt.getCharacter(c, r).getBackgroundColor()).isEqualTo(TextColor.ANSI.DEFAULT);
            }
        }
        // FATAL (row 3, STATE column) stood out by its red background: now by reverse video.
        StringBuilder row = new StringBuilder();
        for (int c = 0; c < 80; c++) {
            row.append(vt.getCharacter(c, 3).getCharacterString());
        }
        int state = row.indexOf("FATAL");
        assertThat(state).isPositive();
        assertThat(vt.getCharacter(state, 3).getModifiers()).contains(SGR.REVERSE);
    }

    @Test
    void lightDrawsNoYellowOrCyanText() throws Exception {
        Cells dark = drawn(Theme.DARK);
        Cells light = drawn(Theme.LIGHT);
        boolean sawYellowOrCyan = false;
        for (int r = 0; r < 24; r++) {
            for (int c = 0; c < 80; c++) {
                TextColor d = dark.getCharacter(c, r).getForegroundColor();
                sawYellowOrCyan |= d == TextColor.ANSI.YELLOW || d == TextColor.ANSI.CYAN;
                assertThat(light.getCharacter(c, r).getForegroundColor()).isNotIn(TextColor.ANSI.YELLOW, TextColor.ANSI.CYAN);
            }
        }
        assertThat(sawYellowOrCyan).as("the dark screen had yellow or cyan text to change").isTrue();
    }
}
