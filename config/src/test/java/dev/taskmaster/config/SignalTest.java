package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalTest {

    @Test
    void namesAndNumbersFollowLinux() {
        assertThat(Signal.named()).hasSize(31);
        for (int i = 0; i < Signal.named().size(); i++) {
            assertThat(Signal.named().get(i).number()).isEqualTo(i + 1);
        }
        assertThat(Signal.parse("SIGKILL")).contains(new Signal(9, "KILL"));
        assertThat(Signal.parse("winch")).contains(new Signal(28, "WINCH"));
        assertThat(Signal.parse("SIGCLD")).contains(new Signal(17, "CHLD"));
        assertThat(Signal.parse("34")).contains(new Signal(34, "RTMIN+0"));
        assertThat(Signal.parse("64")).contains(new Signal(64, "RTMIN+30"));
        assertThat(Signal.parse("32")).contains(new Signal(32, "32"));
        assertThat(Signal.parse("RTMIN+31")).isEmpty();
        assertThat(Signal.parse("0")).isEmpty();
        assertThat(Signal.parse("65")).isEmpty();
        assertThat(Signal.parse("999")).isEmpty();
        assertThat(Signal.parse("")).isEmpty();
        assertThat(Signal.parse("SIG")).isEmpty();
        assertThat(Signal.parse("BOGUS")).isEmpty();
        // Strict (issue 12): nothing around the name or number, ASCII digits only, no case
        // mapping that makes a name of other letters.
        for (String notASignal : List.of("9 ", " 9", "\t9", "+9", "-9", "\uFF19", "\u0669", "\u06F9", "SIGTERM ", "TERM\n",
                "\u017FIGTERM", "S\u0131GINT", "TERM\0")) {
            assertThat(Signal.parse(notASignal)).as("%s", notASignal).isEmpty();
        }
    }

    @Test
    void displayNames() {
        assertThat(Signal.TERM.displayName()).isEqualTo("SIGTERM");
        assertThat(Signal.ofNumber(11).orElseThrow().displayName()).isEqualTo("SIGSEGV");
        assertThat(Signal.ofNumber(32).orElseThrow().displayName()).isEqualTo("32");
    }
}
