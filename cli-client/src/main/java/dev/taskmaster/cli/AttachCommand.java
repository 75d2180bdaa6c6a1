package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import org.jline.terminal.Terminal;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "attach", description = {"Step into a process's console: its output live (after the recent past), your"
        + " keystrokes to it. The detach key (Ctrl-] unless --detach-key) leaves it running.",
        "A tty: true program gets every key (Ctrl-C included) and the window size; for other programs a line"
        + " is sent when Enter is pressed, and Ctrl-D closes their standard input."})
final class AttachCommand extends Verb {

    @Parameters(paramLabel = "PROCESS", description = "The process (its full name).")
    String name;

    @ArgGroup(exclusive = true)
    Mode mode;

    @Option(names = "--detach-key", paramLabel = "KEY", defaultValue = "^]",
            description = "The key that detaches: ^X (Ctrl-X) for a letter or one of [ \\ ] ^ _ (default: ${DEFAULT-VALUE}).")
    String detachKey;

    @Option(names = "--scrollback", paramLabel = "BYTES", defaultValue = "65536",
            description = "Recent output to show first (default: ${DEFAULT-VALUE} bytes).")
    long scrollback;

    /** Who types: by default this session alone, if nobody else does. */
    static final class Mode {
        @Option(names = "--read-only", description = "Watch only; send nothing.")
        boolean readOnly;

        @Option(names = "--shared", description = "Type along with other sessions that share the input.")
        boolean shared;

        @Option(names = "--take-over", description = "Take the input from the session that holds it (it then only watches).")
        boolean takeOver;
    }

    @Override
    public Integer call() {
        int key = ConsoleBridge.controlKey(detachKey);
        if (scrollback < 0) {
            throw new CtlException(ExitCodes.USAGE, "--scrollback must be >= 0, got " + scrollback);
        }
        if (!session().inShell() && !session().interactive()) {
            throw new CtlException(ExitCodes.USAGE,
                    "attach: needs a terminal on standard input and output ('taskmasterctl tail -f " + name + "' follows output without one)");
        }
        AttachOutputRequest request = AttachOutputRequest.newBuilder().setName(name)
                .setStream(OutputStream.OUTPUT_STREAM_COMBINED).setScrollbackBytes(scrollback).setInputMode(inputMode()).build();
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Iterator<AttachOutputResponse> stream = call.call(() -> root.daemon().unboundedBlockingStub().attachOutput(request));
            // The first message says whether the process is on a terminal and whether we may type; errors come here too.
            AttachOutputResponse first = call.call(() -> stream.hasNext() ? stream.next() : null);
            if (first == null || !first.hasStarted()) {
                throw new CtlException(ExitCodes.FAILED, "attach: the daemon ended the session before it started");
            }
            return bridge(first.getStarted(), stream, call, key, request);
        } catch (StatusRuntimeException | CtlException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int bridge(AttachStarted started, Iterator<AttachOutputResponse> stream, Context.CancellableContext call, int key,
            AttachOutputRequest request)
            throws IOException {
        Terminal shells = session().shellTerminal();
        if (shells != null) {
            return new ConsoleBridge(shells, root.daemon(), name, started, key, ConsoleBridge.keyName(key))
                    .resumeWith(request).run(stream, call);
        }
        Session.TerminalOpener opener = session().terminalOpener();
        try (Terminal terminal = opener != null ? opener.open() : Shell.systemTerminal()) {
            return new ConsoleBridge(terminal, root.daemon(), name, started, key, ConsoleBridge.keyName(key))
                    .resumeWith(request).run(stream, call);
        }
    }

    private InputMode inputMode() {
        if (mode == null) {
            return InputMode.INPUT_MODE_EXCLUSIVE;
        }
        return mode.readOnly ? InputMode.INPUT_MODE_READ_ONLY : mode.shared ? InputMode.INPUT_MODE_SHARED
                : InputMode.INPUT_MODE_TAKE_OVER;
    }

    static String describe(InputMode mode) {
        return mode.name().substring("INPUT_MODE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
