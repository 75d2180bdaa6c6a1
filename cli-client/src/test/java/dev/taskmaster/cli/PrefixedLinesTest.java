package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** logs: whole lines after a prefix, lines split across chunks joined, endless lines cut. */
class PrefixedLinesTest {

    @Test
    void linesAreJoinedAcrossChunksAndAnEndlessLineIsCutNotHeld() {
        StringWriter text = new StringWriter();
        PrefixedLines lines = new PrefixedLines(new PrefixedLines.Out(new PrintWriter(text)), "p | ");
        lines.bytes("first ha".getBytes(StandardCharsets.UTF_8));
        lines.bytes("lf\r\nsecond\n".getBytes(StandardCharsets.UTF_8));
        String endless = "x".repeat(PrefixedLines.LINE_MAX * 2 + 10);
        for (int i = 0; i < endless.length(); i += 1000) {
            lines.bytes(endless.substring(i, Math.min(endless.length(), i + 1000)).getBytes(StandardCharsets.UTF_8));
        }
        lines.bytes("\nlast".getBytes(StandardCharsets.UTF_8));
        lines.finish();

        assertThat(text.toString().lines().toList()).containsExactly(
                "p | first half",
                "p | second",
                "p | " + "x".repeat(PrefixedLines.LINE_MAX) + " [line continues]",
                "p | " + "x".repeat(PrefixedLines.LINE_MAX) + " [line continues]",
                "p | " + "x".repeat(10),
                "p | last");
    }
}
