package dev.taskmaster.server.api;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.ClearOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputResponse;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.ReadDaemonLogResponse;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.ResizeTerminalResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.SendInputResponse;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.output.InputLeases;
import dev.taskmaster.server.output.InputMode;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.ProcessInput;
import dev.taskmaster.server.output.ProcessOutput;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The output and console RPCs: TailOutput, AttachOutput, SendInput, ResizeTerminal,
 * ClearOutput and ReadDaemonLog. Names are resolved against the configuration the daemon runs
 * now, without a trip through the engine thread, so keystrokes go straight to the process.
 *
 * <p>Threading: called on gRPC threads. SendInput may wait while a process's stdin pipe is
 * full (it polls, and stops when the call is cancelled), as long as the process reads some of
 * it at least every {@link #INPUT_STALL}; nothing else blocks. Attach sessions send from a
 * shared executor of virtual threads.
 */
final class OutputRpcs {

    static final int DEFAULT_MAX_BYTES = 64 * 1024;
    static final int MAX_BYTES_CAP = 1024 * 1024;
    /**
     * How long SendInput waits for a process that takes none of its input (its pipe or terminal
     * is full) before it answers RESOURCE_EXHAUSTED; input to it then fails at once until it
     * reads again, instead of every later input waiting for its caller's deadline.
     */
    static final java.time.Duration INPUT_STALL = java.time.Duration.ofSeconds(5);

    private final Supplier<DaemonInfo> info;
    private final Clock clock;
    private final Engine engine;
    private final Outputs outputs;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<AttachSession> sessions = ConcurrentHashMap.newKeySet();
    /** Set by {@link #endSessions}: a session that starts later ends at once. */
    private volatile Status ending;
    private volatile java.time.Duration inputStall = INPUT_STALL;

    OutputRpcs(Supplier<DaemonInfo> info, Clock clock, Engine engine, Outputs outputs) {
        this.info = info;
        this.clock = clock;
        this.engine = engine;
        this.outputs = outputs;
    }

    /** Ends every attach stream with {@code status} (UNAVAILABLE: the daemon is going away), whether or not its client reads. */
    void endSessions(Status status) {
        ending = status;
        sessions.forEach(s -> s.abort(status));
    }

    /** Sets how long SendInput waits for a process that does not read (tests shorten it). */
    void inputStall(java.time.Duration stall) {
        this.inputStall = stall;
    }

    int sessionCount() {
        return sessions.size();
    }

    /** The open attach sessions (for tests). */
    Set<AttachSession> sessions() {
        return Set.copyOf(sessions);
    }

    // ---- TailOutput ------------------------------------------------------------------------

    TailOutputResponse tail(TailOutputRequest r) {
        String name = one(r.getName());
        if (r.hasOffset() && r.getOffset() < 0) {
            throw invalid("offset must not be negative, was " + r.getOffset());
        }
        if (r.getMaxBytes() < 0) {
            throw invalid("max_bytes must not be negative, was " + r.getMaxBytes());
        }
        int max = r.getMaxBytes() == 0 ? DEFAULT_MAX_BYTES : (int) Math.min(r.getMaxBytes(), MAX_BYTES_CAP);
        OffsetSpace space = space(r.getStream());
        OutputRing ring = outputs.of(name).ring();
        long end = ring.end(space);
        long start = ring.start(space);
        long from;
        if (r.hasOffset()) {
            from = r.getOffset();
            beyondEnd(from, end);
        } else {
            from = Math.max(start, end - max);
        }
        List<OutputRing.Piece> pieces = ring.read(space, from, max);
        long first = pieces.isEmpty() ? Math.max(from, start) : pieces.getFirst().offset();
        ByteString.Output data = ByteString.newOutput();
        for (OutputRing.Piece p : pieces) {
            data.write(p.data(), 0, p.data().length);
        }
        ByteString bytes = data.toByteString();
        return TailOutputResponse.newBuilder().setData(bytes).setOffset(first).setNextOffset(first + bytes.size())
                .setBytesLost(Math.max(0, first - from)).build();
    }

    private static void beyondEnd(long offset, long end) {
        if (offset > end) {
            throw invalid("offset " + offset + " is beyond the end of the output (" + end
                    + "); offsets restart when the daemon restarts: ask again without an offset");
        }
    }

    // ---- AttachOutput ----------------------------------------------------------------------

    void attach(AttachOutputRequest r, StreamObserver<AttachOutputResponse> response) {
        String name = one(r.getName());
        // Taken now, on the call's thread: the lease is granted later, on another.
        String caller = dev.taskmaster.server.security.Caller.current().identity();
        if (r.getScrollbackBytes() < 0) {
            throw invalid("scrollback_bytes must not be negative, was " + r.getScrollbackBytes());
        }
        if (r.hasFromOffset() && r.getFromOffset() < 0) {
            throw invalid("from_offset must not be negative, was " + r.getFromOffset());
        }
        ProcessOutput output = outputs.of(name);
        OffsetSpace space = space(r.getStream());
        OutputRing ring = output.ring();
        if (r.hasFromOffset()) {
            beyondEnd(r.getFromOffset(), ring.end(space));
        }
        InputMode mode = switch (r.getInputMode()) {
            case INPUT_MODE_EXCLUSIVE -> InputMode.EXCLUSIVE;
            case INPUT_MODE_SHARED -> InputMode.SHARED;
            case INPUT_MODE_TAKE_OVER -> InputMode.TAKE_OVER;
            default -> InputMode.READ_ONLY;
        };
        ServerCallStreamObserver<AttachOutputResponse> out = (ServerCallStreamObserver<AttachOutputResponse>) response;
        AttachSession[] holder = new AttachSession[1];
        AttachSession session = new AttachSession(name, output, space, out, r.getDetachOnExit(), senders, clock,
                info.get().paths().logdir(), () -> {
                    sessions.remove(holder[0]);
                    engine.journal().removeListener(holder[0]);
                });
        holder[0] = session;
        sessions.add(session);
        if (ending != null) {
            session.abort(ending); // endSessions ran while this call came in
        }
        // Listening and the snapshot in one engine step: no notice can fall between them.
        engine.listen(Long.MAX_VALUE, session).whenComplete((at, error) -> {
            if (session.isClosed()) {
                engine.journal().removeListener(session); // cancelled before the listener was in
                return;
            }
            if (error != null) {
                session.abort(Status.INTERNAL.withDescription("cannot attach: " + error.getMessage()));
                return;
            }
            Optional<ProcessSnapshot> snapshot = at.processes().stream().filter(p -> p.name().equals(name)).findFirst();
            if (snapshot.isEmpty()) {
                session.abort(Status.NOT_FOUND.withDescription("no process named \"" + name + "\" (it was just removed)"));
                return;
            }
            InputLeases.Lease lease = output.leases().join(session.id, mode, caller.isEmpty() ? "an unidentified caller" : caller,
                    session::leaseChanged);
            long from = r.hasFromOffset() ? r.getFromOffset()
                    : Math.max(ring.start(space), ring.end(space) - r.getScrollbackBytes());
            AttachOutputResponse started = AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder()
                    .setSessionId(session.id)
                    .setProcess(Protos.process(snapshot.get(), clock.instant(), info.get().paths().logdir()))
                    .setTty(snapshot.get().spec().program().tty())
                    .setInputLease(AttachSession.lease(lease))).build();
            boolean down = !snapshot.get().state().hasProcess();
            session.start(started, from, r.getDetachOnExit() && down);
            if (session.isClosed()) {
                // Cancelled while joining the lease or starting: its clean-up may have run before
                // they did, so undo them here (both are idempotent), or the lease and the viewer stay.
                output.removeViewer(session);
                output.leases().leave(session.id);
            }
        });
    }

    // ---- SendInput / ResizeTerminal --------------------------------------------------------

    SendInputResponse sendInput(SendInputRequest r) {
        String name = one(r.getName());
        ProcessOutput output = outputs.of(name);
        checkLease(name, output, r.getSessionId());
        ProcessInput input = runningInput(name, output);
        if (input.isClosed()) {
            throw precondition("the input of \"" + name + "\" is closed (" + input.closedReason() + ")");
        }
        byte[] data = r.getData().toByteArray();
        long written;
        try {
            Context context = Context.current();
            written = input.write(data, context::isCancelled, inputStall);
        } catch (ProcessInput.NotReadingException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("\"" + name + "\" is not reading its input: " + e.getMessage()
                    + "; " + e.written() + " of " + data.length + " bytes were written, and input to it fails at once"
                    + " until it reads again").asRuntimeException();
        } catch (ProcessInput.ClosedException e) {
            throw precondition("cannot write to \"" + name + "\": " + e.getMessage());
        } catch (NativeException e) {
            throw Status.INTERNAL.withDescription("cannot write to \"" + name + "\": " + e.getMessage()).asRuntimeException();
        }
        if (r.getCloseStdin() && !input.tty()) {
            input.close("stdin was closed by request (close_stdin)");
        }
        return SendInputResponse.newBuilder().setBytesWritten(written).build();
    }

    ResizeTerminalResponse resize(ResizeTerminalRequest r) {
        if (r.getRows() < 1 || r.getCols() < 1 || r.getRows() > 0xFFFF || r.getCols() > 0xFFFF) {
            throw invalid("rows and cols must be from 1 to 65535, were " + r.getRows() + " and " + r.getCols());
        }
        String name = one(r.getName());
        if (r.getSessionId().isEmpty()) {
            throw invalid("session_id is required: resize from the attach session that holds the input lease");
        }
        ProcessOutput output = outputs.of(name);
        checkLease(name, output, r.getSessionId());
        ProcessInput input = runningInput(name, output);
        if (!input.tty()) {
            throw precondition("\"" + name + "\" does not run on a terminal (set tty: true to give it one)");
        }
        try {
            input.resize(r.getRows(), r.getCols());
        } catch (ProcessInput.ClosedException e) {
            throw precondition("cannot resize the terminal of \"" + name + "\": " + e.getMessage());
        } catch (NativeException e) {
            throw Status.INTERNAL.withDescription("cannot resize the terminal of \"" + name + "\": " + e.getMessage())
                    .asRuntimeException();
        }
        output.terminalSize(r.getRows(), r.getCols());
        return ResizeTerminalResponse.getDefaultInstance();
    }

    private static void checkLease(String name, ProcessOutput output, String sessionId) {
        if (!sessionId.isEmpty() && !output.leases().contains(sessionId)) {
            throw Status.NOT_FOUND.withDescription("no attach session " + Targets.quote(sessionId) + " on \"" + name
                    + "\"; attach first and use the session_id of AttachStarted").asRuntimeException();
        }
        output.leases().refusal(sessionId).ifPresent(why -> {
            throw precondition(why);
        });
    }

    private static ProcessInput runningInput(String name, ProcessOutput output) {
        return output.input().filter(i -> output.running())
                .orElseThrow(() -> precondition("\"" + name + "\" is not running; start it first"));
    }

    // ---- ClearOutput -----------------------------------------------------------------------

    ClearOutputResponse clear(ClearOutputRequest r) {
        List<String> names = Targets.required(r.getTargetsList(), instances());
        List<ProcessResult> results = new ArrayList<>();
        for (String n : names) {
            ProcessResult.Builder b = ProcessResult.newBuilder().setFullName(n).setChanged(true);
            try {
                outputs.of(n).clear();
                b.setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE).setMessage("output cleared"));
            } catch (IOException e) {
                b.setChanged(false).setStatus(com.google.rpc.Status.newBuilder().setCode(Code.INTERNAL_VALUE)
                        .setMessage(n + ": cannot clear the log file: " + e.getMessage()));
            }
            results.add(b.build());
        }
        return ClearOutputResponse.newBuilder().addAllResults(results).build();
    }

    // ---- ReadDaemonLog ---------------------------------------------------------------------

    /**
     * Offsets are positions in the daemon's current log file. After a rotation the file starts
     * again from 0: an offset beyond its end is answered from 0, with {@code offset} saying so.
     */
    ReadDaemonLogResponse readDaemonLog(ReadDaemonLogRequest r) {
        if (r.hasOffset() && r.getOffset() < 0) {
            throw invalid("offset must not be negative, was " + r.getOffset());
        }
        if (r.getMaxBytes() < 0) {
            throw invalid("max_bytes must not be negative, was " + r.getMaxBytes());
        }
        int max = r.getMaxBytes() == 0 ? DEFAULT_MAX_BYTES : (int) Math.min(r.getMaxBytes(), MAX_BYTES_CAP);
        Path file = info.get().paths().logfile();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = r.hasOffset() ? (r.getOffset() > size ? 0 : r.getOffset()) : Math.max(0, size - max);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max, size - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // read until full or end of file
            }
            buf.flip();
            return ReadDaemonLogResponse.newBuilder().setData(ByteString.copyFrom(buf)).setOffset(from)
                    .setNextOffset(from + buf.limit()).build();
        } catch (NoSuchFileException e) {
            throw precondition("the daemon's log file " + file + " does not exist");
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read " + file + ": " + e.getMessage()).asRuntimeException();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private List<InstanceSpec> instances() {
        return info.get().config().instances();
    }

    /** The one instance {@code name} names. */
    private String one(String name) {
        if (name.isBlank()) {
            throw invalid("name the process (its full name, e.g. \"web:0\")");
        }
        List<String> names = Targets.resolve(List.of(name), instances());
        if (names.size() != 1) {
            // A program of 10,000 instances must not make a description of 100 KB.
            String some = String.join(", ", names.subList(0, Math.min(names.size(), 10))) + (names.size() > 10 ? ", …" : "");
            throw invalid(Targets.quote(name) + " names " + names.size() + " processes (" + some + "); name one");
        }
        return names.getFirst();
    }

    private static OffsetSpace space(OutputStream s) {
        return switch (s) {
            case OUTPUT_STREAM_STDOUT -> OffsetSpace.STDOUT;
            case OUTPUT_STREAM_STDERR -> OffsetSpace.STDERR;
            default -> OffsetSpace.COMBINED;
        };
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException precondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }
}
