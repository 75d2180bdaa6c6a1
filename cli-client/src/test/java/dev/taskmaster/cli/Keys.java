package dev.taskmaster.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.jline.utils.NonBlockingInputStream;

/**
 * What a person types at the shell's test terminal: keys delivered one at a time on the shell's
 * own thread, with actions run between them (when the shell asks for the key after them, so
 * every line before has run). No thread, no timing: the same script always gives the same run.
 *
 * <p>{@link #terminal} wraps it in JLine's Java-only terminal, typed {@code xterm} so the line
 * reader edits and completes as at a real terminal, with Ctrl-C raising SIGINT as a tty does.
 */
final class Keys extends NonBlockingInputStream {

    static final String CTRL_C = "\u0003";
    static final String CTRL_D = "\u0004";
    static final String TAB = "\t";

    private final Deque<Object> script = new ArrayDeque<>();
    private byte[] chunk = new byte[0];
    private int at;

    /** Keys to type, e.g. {@code "status\n"}. */
    Keys type(String keys) {
        script.add(keys.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Runs {@code action} once every key before it has been read. */
    Keys then(Runnable action) {
        script.add(action);
        return this;
    }

    /** A terminal reading these keys and writing to {@code screen}. */
    Terminal terminal(ByteArrayOutputStream screen) throws IOException {
        return terminal(screen, t -> { });
    }

    /** As {@link #terminal(ByteArrayOutputStream)}; {@code beforeClose} sees the terminal as it is closed. */
    Terminal terminal(ByteArrayOutputStream screen, java.util.function.Consumer<Terminal> beforeClose) throws IOException {
        Terminal terminal = new DumbTerminal("test", "xterm", this, screen, StandardCharsets.UTF_8) {
            @Override
            protected void doClose() throws IOException {
                beforeClose.accept(this);
                super.doClose();
            }
        };
        Attributes attributes = terminal.getAttributes();
        // Ctrl-C raises INT, as a tty does. The signal keys must all be set: an unset one would
        // match the end of input (-1) and turn it into an endless stream of signals.
        attributes.setLocalFlag(Attributes.LocalFlag.ISIG, true);
        attributes.setControlChar(Attributes.ControlChar.VINTR, 3); // ^C
        attributes.setControlChar(Attributes.ControlChar.VQUIT, 28); // ^\
        attributes.setControlChar(Attributes.ControlChar.VSUSP, 26); // ^Z
        attributes.setControlChar(Attributes.ControlChar.VSTATUS, 20); // ^T
        attributes.setControlChar(Attributes.ControlChar.VEOF, 4); // ^D
        terminal.setAttributes(attributes);
        terminal.setSize(new Size(120, 30));
        return terminal;
    }

    @Override
    public int read(long timeout, boolean isPeek) throws IOException {
        // A SIGINT handler interrupts the reading thread; a real terminal's read then fails like this.
        if (Thread.interrupted()) {
            throw new InterruptedIOException("interrupted");
        }
        while (at == chunk.length) {
            Object next = script.poll();
            if (next == null) {
                return EOF; // the person pressed nothing more: end of input
            }
            if (next instanceof Runnable action) {
                action.run();
            } else {
                chunk = (byte[]) next;
                at = 0;
            }
        }
        return isPeek ? chunk[at] & 0xff : chunk[at++] & 0xff;
    }
}
