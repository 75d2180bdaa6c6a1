package dev.taskmaster.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import com.googlecode.lanterna.terminal.ansi.UnixTerminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lanterna's Unix terminal reading keys from a {@link KeyPipe}, sized by the kernel
 * ({@link WinSize}), with Ctrl-C delivered as a key (the monitor quits cleanly on it; an
 * attached console passes it to the program).
 */
final class TtyTerminal extends UnixTerminal {

    TtyTerminal(InputStream keys, OutputStream out) throws IOException {
        super(keys, out, StandardCharsets.UTF_8, UnixLikeTerminal.CtrlCBehaviour.TRAP);
    }

    /**
     * Called by Lanterna's {@code getTerminalSize} at start and on SIGWINCH, which then tells the
     * screen (and our listeners) when the size changed.
     */
    @Override
    protected TerminalSize findTerminalSize() {
        return WinSize.query().map(s -> new TerminalSize(s.cols(), s.rows())).orElse(new TerminalSize(80, 24));
    }
}
