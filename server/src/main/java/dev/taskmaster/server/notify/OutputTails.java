package dev.taskmaster.server.notify;

import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.Outputs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The last lines a process wrote, for a message: read from its output ring (what {@code tail}
 * reads), on the delivery thread, never the engine's. Thread-safe: the ring has its own lock.
 */
@FunctionalInterface
public interface OutputTails {

    /** Lines in a message, at most; each cut at {@link #LINE_CHARS}. */
    int LINES = 10;
    int LINE_CHARS = 300;
    /** Bytes read from the end of the ring to find them. */
    int BYTES = 8192;

    OutputTails NONE = process -> List.of();

    /** The last {@link #LINES} lines of {@code process}'s output (stdout and stderr as they came); empty when none. */
    List<String> lastLines(String process);

    /** From the daemon's output rings. */
    static OutputTails of(Outputs outputs) {
        return process -> outputs.find(process).map(o -> lines(o.ring())).orElse(List.of());
    }

    static List<String> lines(OutputRing ring) {
        long end = ring.end(OffsetSpace.COMBINED);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (OutputRing.Piece p : ring.read(OffsetSpace.COMBINED, Math.max(0, end - BYTES), BYTES)) {
            bytes.writeBytes(p.data());
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().map(OutputTails::printable).filter(l -> !l.isBlank()).toList();
        return lines.subList(Math.max(0, lines.size() - LINES), lines.size());
    }

    /** Without terminal escapes and control characters: a message is read in a mail client or a chat. */
    private static String printable(String line) {
        String s = line.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("[\\p{Cntrl}&&[^\t]]", "");
        return s.length() > LINE_CHARS ? s.substring(0, LINE_CHARS) + "…" : s;
    }
}
