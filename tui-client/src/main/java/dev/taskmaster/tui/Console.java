package dev.taskmaster.tui;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.SendInputRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A full-screen console on one process, like {@code tmux attach}: the monitor hands the real
 * terminal over (screen stopped, tty raw), the process's output is copied to it byte for byte,
 * keystrokes go to the process with SendInput under an exclusive input lease, the window size
 * follows with ResizeTerminal, and {@link Keys#DETACH_KEY} gives the terminal back to the
 * monitor, the process still running.
 *
 * <p>{@link #run} blocks the UI thread for the whole session (the monitor is not drawn while
 * the console has the terminal). Output is written by the gRPC thread, input is sent by one
 * single-thread executor so keystrokes and resizes reach the daemon in order.
 */
final class Console {

    /** Ctrl-]: the byte a terminal sends for it. */
    static final byte DETACH = 0x1d;
    static final long SCROLLBACK_BYTES = 16 * 1024;
    static final String DETACHED = "detached";
    private static final Duration INPUT_DEADLINE = Duration.ofSeconds(10);

    /** Gives the real terminal to the console and takes it back. */
    interface Handover {
        void suspend() throws IOException;

        void resume() throws IOException;

        /** Rows and columns of the terminal now. */
        WinSize.Size size();
    }

    private final StdinPump pump;
    private final java.io.OutputStream out;
    private final Handover handover;
    private volatile Session active;

    Console(StdinPump pump, java.io.OutputStream out, Handover handover) {
        this.pump = pump;
        this.out = out;
        this.handover = handover;
    }

    /** One attach: its daemon link, the process, and what the daemon said when it started. */
    private final class Session {
        final DaemonLink link;
        final String name;
        final CompletableFuture<String> id = new CompletableFuture<>();
        final CompletableFuture<String> end = new CompletableFuture<>();
        final ExecutorService sender = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("tui-console-input").unstarted(r));
        volatile boolean tty = true;
        volatile boolean mayType;

        Session(DaemonLink link, String name) {
            this.link = link;
            this.name = name;
        }
    }

    /**
     * Attaches to {@code name} on {@code link} until the user detaches or the stream ends, then
     * gives the terminal back. Returns {@link #DETACHED} or why the session ended.
     */
    String run(DaemonLink link, String name) throws IOException {
        Session s = new Session(link, name);
        handover.suspend();
        Consumer<byte[]> previous = null;
        ClientCallStreamObserver<AttachOutputRequest> call = null;
        try {
            write(("\033[H\033[2J[attached to " + name + " on " + link.label() + "; " + Keys.DETACH_KEY + " detaches]\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            active = s;
            call = attach(s);
            previous = pump.swap(bytes -> typed(s, bytes));
            String why = await(s.end);
            if (!DETACHED.equals(why)) {
                CompletableFuture<String> key = new CompletableFuture<>();
                pump.swap(bytes -> key.complete(DETACHED));
                write(("\r\n[" + why + "; press any key to return]\r\n").getBytes(StandardCharsets.UTF_8));
                await(key);
            }
            return why;
        } finally {
            active = null;
            if (previous != null) {
                pump.swap(previous);
            }
            // What was typed before the detach key still goes out (briefly), then the session ends.
            s.sender.shutdown();
            try {
                s.sender.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.sender.shutdownNow();
            if (call != null) {
                call.cancel("detached", null);
            }
            handover.resume();
        }
    }

    private static String await(CompletableFuture<String> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while attached", e);
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        }
    }

    private ClientCallStreamObserver<AttachOutputRequest> attach(Session s) {
        AttachOutputRequest req = AttachOutputRequest.newBuilder().setName(s.name).setStream(OutputStream.OUTPUT_STREAM_COMBINED)
                .setScrollbackBytes(SCROLLBACK_BYTES).setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build();
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<AttachOutputRequest>[] holder = new ClientCallStreamObserver[1];
        s.link.asyncUnbounded().attachOutput(req, new ClientResponseObserver<AttachOutputRequest, AttachOutputResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<AttachOutputRequest> c) {
                holder[0] = c;
            }

            @Override
            public void onNext(AttachOutputResponse r) {
                switch (r.getKindCase()) {
                    case STARTED -> {
                        var st = r.getStarted();
                        s.tty = st.getTty();
                        s.mayType = st.getInputLease().getGranted();
                        s.id.complete(st.getSessionId());
                        if (!s.mayType) {
                            notice("input is held by " + (st.getInputLease().getHolder().isEmpty() ? "another session"
                                    : st.getInputLease().getHolder()) + "; watching only");
                        }
                        if (s.tty && s.mayType) {
                            WinSize.Size size = handover.size();
                            s.sender.execute(() -> resize(s, size));
                        }
                    }
                    case CHUNK -> write(s.tty ? r.getChunk().getData().toByteArray() : crlf(r.getChunk().getData().toByteArray()));
                    case SKIPPED -> notice(r.getSkipped().getBytesSkipped() + " bytes skipped");
                    case PROCESS_NOTICE -> notice(OutputFollower.notice(r).replaceAll("^\\[|\\]$", ""));
                    case INPUT_LEASE -> {
                        s.mayType = r.getInputLease().getGranted();
                        notice(s.mayType ? "input lease granted" : "input lease taken by " + r.getInputLease().getHolder());
                    }
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) {
                s.id.complete("");
                s.end.complete(io.grpc.Status.fromThrowable(t).getCode() == io.grpc.Status.Code.UNIMPLEMENTED
                        ? OutputFollower.UNAVAILABLE : "attach ended: " + Rpc.describe(t));
            }

            @Override
            public void onCompleted() {
                s.id.complete("");
                s.end.complete("the process ended its console");
            }
        });
        return holder[0];
    }

    /** Keystrokes from the terminal: everything up to the detach key goes to the process. */
    private void typed(Session s, byte[] bytes) {
        int cut = -1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == DETACH) {
                cut = i;
                break;
            }
        }
        byte[] data = cut < 0 ? bytes : java.util.Arrays.copyOf(bytes, cut);
        if (data.length > 0) {
            if (!s.tty) {
                // A pipe has no line discipline: Enter (CR in raw mode) must be a newline, and nothing echoes.
                for (int i = 0; i < data.length; i++) {
                    if (data[i] == '\r') {
                        data[i] = '\n';
                    }
                }
                write(crlf(data));
            }
            byte[] send = data;
            s.sender.execute(() -> send(s, send));
        }
        if (cut >= 0) {
            s.end.complete(DETACHED);
        }
    }

    private void send(Session s, byte[] data) {
        try {
            String id = s.id.get(INPUT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            if (!s.mayType || id.isEmpty()) {
                return;
            }
            s.link.blocking(INPUT_DEADLINE).sendInput(SendInputRequest.newBuilder().setName(s.name).setSessionId(id)
                    .setData(ByteString.copyFrom(data)).build());
        } catch (StatusRuntimeException e) {
            notice("input refused: " + Rpc.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            notice("input not sent: the daemon did not start the session");
        }
    }

    /** The terminal changed size (SIGWINCH); any thread. */
    void resized(WinSize.Size size) {
        Session s = active;
        if (s != null && s.tty && s.mayType) {
            s.sender.execute(() -> resize(s, size));
        }
    }

    private void resize(Session s, WinSize.Size size) {
        try {
            String id = s.id.getNow("");
            if (id.isEmpty()) {
                return;
            }
            s.link.blocking(INPUT_DEADLINE).resizeTerminal(ResizeTerminalRequest.newBuilder().setName(s.name).setSessionId(id)
                    .setRows(size.rows()).setCols(size.cols()).build());
        } catch (StatusRuntimeException e) {
            notice("resize refused: " + Rpc.describe(e));
        }
    }

    private void notice(String text) {
        write(("\r\n[" + text + "]\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Output of a pipe program, whose lines end in LF: the raw terminal needs CR LF. */
    static byte[] crlf(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(data.length + 16);
        for (byte c : data) {
            if (c == '\n') {
                b.write('\r');
            }
            b.write(c);
        }
        return b.toByteArray();
    }

    private void write(byte[] data) {
        synchronized (out) {
            try {
                out.write(data);
                out.flush();
            } catch (IOException e) {
                // The terminal is gone; the stdin pump will notice and end the session.
            }
        }
    }
}
