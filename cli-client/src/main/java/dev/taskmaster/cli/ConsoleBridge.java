package dev.taskmaster.cli;

import com.google.protobuf.ByteString;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.ProcessNotice;
import dev.taskmaster.proto.v1.ProcessNoticeKind;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.SendInputRequest;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * The local terminal joined to an attach session: output from the AttachOutput stream is
 * written to the terminal as it comes (on a thread of its own); keys typed go to the process
 * (SendInput) on the calling thread; the window size goes with it (ResizeTerminal) for a
 * program on a pseudo-terminal. The terminal is in raw mode while attached and given back as
 * it was. Threads: {@link #run} on the caller's; output and window-size changes on others,
 * writing to the terminal under one lock.
 */
final class ConsoleBridge {

    /** How often the key loop looks up from waiting for a key to see whether the stream ended. */
    private static final long KEY_POLL_MILLIS = 100;
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

    private final Terminal terminal;
    private final DaemonChannel daemon;
    private final String name;
    /** The session's start; replaced when the session is attached again after a re-exec of the daemon. */
    private volatile AttachStarted started;
    /** How to attach again after a re-exec of the daemon (from the next offset); null: the session just ends. */
    private AttachOutputRequest resume;
    /** The call context the session's streams live in: cancelled on detach. */
    private volatile Context.CancellableContext call;
    /** Combined offset of the next byte to show. */
    private long next;
    private final int detachKey;
    private final String detachKeyName;
    private final OutputStream screen;
    private final Object screenLock = new Object();
    private final LineDiscipline line = new LineDiscipline();
    private volatile boolean mayType;
    private volatile String ended;

    ConsoleBridge(Terminal terminal, DaemonChannel daemon, String name, AttachStarted started, int detachKey, String detachKeyName) {
        this.terminal = terminal;
        this.daemon = daemon;
        this.name = name;
        this.started = started;
        this.detachKey = detachKey;
        this.detachKeyName = detachKeyName;
        this.screen = terminal.output();
        this.mayType = started.getInputLease().getGranted();
    }

    /** Until the detach key, or the end of the stream; the terminal is restored when it returns. */
    /** Attaches again with {@code request} (from the next offset, without scrollback) when the daemon re-executes itself. */
    ConsoleBridge resumeWith(AttachOutputRequest request) {
        this.resume = request;
        return this;
    }

    int run(Iterator<AttachOutputResponse> stream, Context.CancellableContext call) throws IOException {
        this.call = call;
        boolean tty = started.getTty();
        show("[attached to " + name + (tty ? " (terminal)" : "") + "; " + detachKeyName + " detaches"
                + (mayType ? "" : "; watching only: " + leaseHolder(started.getInputLease())) + "]\n");
        Attributes saved = terminal.enterRawMode();
        Terminal.SignalHandler previousWinch = null;
        Thread output = null;
        try {
            Attributes raw = new Attributes(saved);
            raw.setLocalFlags(EnumSet.of(Attributes.LocalFlag.ICANON, Attributes.LocalFlag.ECHO, Attributes.LocalFlag.IEXTEN,
                    Attributes.LocalFlag.ISIG), false); // Ctrl-C is a key for the program, not a signal for us
            raw.setInputFlags(EnumSet.of(Attributes.InputFlag.IXON, Attributes.InputFlag.ICRNL, Attributes.InputFlag.INLCR), false);
            // A program on a terminal writes what its own terminal wants; ours must not add carriage returns.
            raw.setOutputFlag(Attributes.OutputFlag.OPOST, !tty);
            terminal.setAttributes(raw);
            previousWinch = terminal.handle(Terminal.Signal.WINCH, s -> resize());
            output = Thread.ofPlatform().name("attach-output").daemon(true).start(() -> pump(stream));
            resize();
            keys();
        } finally {
            // Whatever failed above, the terminal is given back as it was.
            call.cancel(null);
            if (previousWinch != null) {
                terminal.handle(Terminal.Signal.WINCH, previousWinch);
            }
            terminal.setAttributes(saved);
            if (output != null) {
                try {
                    output.join(CALL_DEADLINE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        show(ended != null ? "[" + ended + "]\n" : "[detached from " + name + "; it keeps running]\n");
        return ExitCodes.OK;
    }

    /** Output thread: the stream, written to the terminal as it comes. */
    private void pump(Iterator<AttachOutputResponse> first) {
        Iterator<AttachOutputResponse> stream = first;
        while (true) {
            try {
                copy(stream);
                return;
            } catch (StatusRuntimeException e) {
                if (resume == null || ended != null || !DaemonReturn.isReexec(e)) {
                    copyFailed(e);
                    return;
                }
                show("\n[taskmasterd is re-executing itself; reconnecting]\n");
                try {
                    stream = reattach();
                } catch (RuntimeException again) {
                    ended = "the session ended: the daemon did not come back: " + again.getMessage();
                    return;
                }
            } catch (RuntimeException e) {
                copyFailed(e);
                return;
            }
        }
    }

    /** After a re-exec: the same output from the next offset, as a new session; its start replaces the old one. */
    private Iterator<AttachOutputResponse> reattach() {
        long deadline = System.nanoTime() + DaemonReturn.LIMIT.toNanos();
        while (true) {
            DaemonReturn.await(daemon, java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), info -> true);
            try {
                return attachAgain();
            } catch (StatusRuntimeException e) {
                // The program before the exec may answer a last call and turn streams away, or go
                // between the answer and the call: either way, try again until the deadline.
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private Iterator<AttachOutputResponse> attachAgain() {
        AttachOutputRequest request = resume.toBuilder().setFromOffset(next).setScrollbackBytes(0).build();
        try {
            Iterator<AttachOutputResponse> stream = call.call(() -> daemon.unboundedBlockingStub().attachOutput(request));
            AttachOutputResponse m = call.call(() -> stream.hasNext() ? stream.next() : null);
            if (m == null || !m.hasStarted()) {
                throw new IllegalStateException("the daemon ended the new session before it started");
            }
            started = m.getStarted();
            lease(m.getStarted().getInputLease());
            show("[attached again to " + name + "]\n");
            return stream;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void copyFailed(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            if (ended == null && s.getStatus().getCode() != io.grpc.Status.Code.CANCELLED) {
                ended = "the session ended: " + s.getStatus().getCode() + (s.getStatus().getDescription() == null ? ""
                        : ": " + s.getStatus().getDescription());
            }
            return;
        }
        // Not a gRPC failure (a bug, a broken terminal): end the session rather than leave the
        // key loop waiting for a detach key with no output.
        ended = "the session ended: " + e;
    }

    /** Copies one session's stream to the terminal until it ends; a failure is thrown. */
    private void copy(Iterator<AttachOutputResponse> stream) {
        while (stream.hasNext()) {
            AttachOutputResponse m = stream.next();
            switch (m.getKindCase()) {
                case CHUNK -> {
                    next = m.getChunk().getOffset() + m.getChunk().getData().size();
                    write(m.getChunk().getData());
                }
                case SKIPPED -> {
                    next = m.getSkipped().getResumeOffset();
                    show("\n[" + m.getSkipped().getBytesSkipped() + " bytes skipped]\n");
                }
                case PROCESS_NOTICE -> show(notice(m.getProcessNotice()));
                case INPUT_LEASE -> lease(m.getInputLease());
                default -> {
                }
            }
        }
        ended = name + "'s output ended: the daemon closed the session";
    }

    private void lease(InputLease lease) {
        boolean before = mayType;
        mayType = lease.getGranted();
        if (before != mayType) {
            show(mayType ? "\n[you may type again]\n" : "\n[watching only: " + leaseHolder(lease) + "]\n");
        }
    }

    private static String leaseHolder(InputLease lease) {
        return lease.getHolder().isEmpty() ? "input is not available" : "input is held by " + lease.getHolder();
    }

    private String notice(ProcessNotice n) {
        String what = n.getKind() == ProcessNoticeKind.PROCESS_NOTICE_KIND_STARTED
                ? "started, pid " + n.getProcess().getPid()
                : ended(n.getProcess());
        return "\n[" + name + " " + what + "]\n";
    }

    /**
     * How the process ended, as the status table says it: {@code exited with code 0 (expected)},
     * {@code killed by SIGKILL (unexpected)}; else its state ({@code ended (fatal)}). Issue 16: it
     * said "[top exited (exited)]".
     */
    static String ended(dev.taskmaster.proto.v1.ProcessInfo p) {
        if (p.hasLastExit()) {
            return dev.taskmaster.client.ProcessText.exit(p.getLastExit());
        }
        return "ended (" + p.getState().name().substring("PROCESS_STATE_".length()).toLowerCase(Locale.ROOT) + ")";
    }

    /** Caller's thread: keys until the detach key or the end of the stream. */
    private void keys() throws IOException {
        NonBlockingReader reader = terminal.reader();
        StringBuilder batch = new StringBuilder();
        while (ended == null) {
            int c = reader.read(KEY_POLL_MILLIS);
            if (c == NonBlockingReader.READ_EXPIRED) {
                continue;
            }
            if (c < 0) {
                return; // the terminal is gone
            }
            batch.setLength(0);
            // Everything typed (or pasted) at once, already read by the terminal, goes in one call.
            for (; c >= 0; c = reader.available() > 0 ? reader.read(1) : NonBlockingReader.READ_EXPIRED) {
                if (c == detachKey) {
                    send(batch);
                    return;
                }
                batch.append((char) c);
            }
            send(batch);
        }
    }

    private void send(CharSequence typed) {
        if (typed.isEmpty() || !mayType) {
            return;
        }
        if (started.getTty()) {
            input(typed.toString(), false);
            return;
        }
        // No terminal on the other side: edit the line here, send it whole on Enter.
        for (int i = 0; i < typed.length(); i++) {
            LineDiscipline.Result r = line.key(typed.charAt(i));
            if (!r.echo().isEmpty()) {
                show(r.echo());
            }
            if (r.send() != null || r.closeInput()) {
                input(r.send() == null ? "" : r.send(), r.closeInput());
            }
        }
    }

    private void input(String text, boolean close) {
        try {
            daemon.blockingStub(CALL_DEADLINE).sendInput(SendInputRequest.newBuilder().setName(name)
                    .setSessionId(started.getSessionId()).setData(ByteString.copyFrom(text, StandardCharsets.UTF_8))
                    .setCloseStdin(close).build());
        } catch (StatusRuntimeException e) {
            show("\n[not sent: " + (e.getStatus().getDescription() != null ? e.getStatus().getDescription() : e.getStatus().getCode()) + "]\n");
        }
    }

    /** The window's size to the program's terminal; only a program on a terminal has one. */
    private void resize() {
        if (!started.getTty() || !mayType) {
            return;
        }
        Size size = terminal.getSize();
        if (size.getRows() < 1 || size.getColumns() < 1) {
            return; // not known (a dumb terminal)
        }
        try {
            daemon.blockingStub(CALL_DEADLINE).resizeTerminal(ResizeTerminalRequest.newBuilder().setName(name)
                    .setSessionId(started.getSessionId()).setRows(size.getRows()).setCols(size.getColumns()).build());
        } catch (StatusRuntimeException e) {
            // the next resize tries again; the program keeps its old size meanwhile
        }
    }

    private void write(ByteString data) {
        synchronized (screenLock) {
            try {
                data.writeTo(screen);
                screen.flush();
            } catch (IOException e) {
                ended = "the terminal cannot be written: " + e.getMessage();
            }
        }
    }

    /** Our own messages, on lines of their own. */
    private void show(String text) {
        write(ByteString.copyFrom(text.replace("\n", "\r\n"), StandardCharsets.UTF_8));
    }

    /** The byte of a key written ^X, e.g. {@code ^]} = 0x1d. */
    static int controlKey(String written) {
        String k = written.strip();
        if (k.length() == 2 && k.charAt(0) == '^') {
            char c = Character.toUpperCase(k.charAt(1));
            if (c >= '@' && c <= '_') {
                return c - '@';
            }
        }
        throw new CtlException(ExitCodes.USAGE, "--detach-key: \"" + written + "\" is not a control key such as ^] or ^A");
    }

    static String keyName(int key) {
        return "Ctrl-" + (char) (key + '@');
    }
}
