package dev.taskmaster.server.api;

import com.google.protobuf.UnsafeByteOperations;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.OutputChunk;
import dev.taskmaster.proto.v1.OutputSkipped;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessNotice;
import dev.taskmaster.proto.v1.ProcessNoticeKind;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.output.InputLeases;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.Viewer;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One {@code AttachOutput} stream. It keeps nothing but a cursor into the instance's
 * {@link OutputRing} and a few control messages: output is pulled from the ring whenever gRPC
 * says the client can take more (isReady). A client slower than the program falls behind
 * the ring's start and is skipped ahead ({@code OutputSkipped}); the program, its log and other
 * viewers never wait for it, and its memory is bounded by one chunk plus gRPC's small buffer.
 *
 * <p>Control messages (lease changes, process notices, the end of the stream) carry the output
 * offset they belong at, so a notice that the process exited comes after the last output of
 * that process.
 *
 * <p>A client that stops reading costs nothing until it reads again: once gRPC says the stream
 * is not ready, the session is {@link #stalled} and the pump's {@link #wake} is one volatile read
 * that schedules nothing, reads no ring and allocates nothing; gRPC's ready handler (the client
 * read again) resumes it, and the drain then says what it missed with one {@code OutputSkipped}.
 *
 * <p>Threading: the pump thread calls {@link #wake}, the engine thread {@link #accept}, gRPC
 * threads the ready and cancel handlers; sending happens in {@link #drain}, one at a time, on
 * the drain executor, never on the pump or engine thread.
 */
final class AttachSession implements Viewer, Consumer<EngineEvent> {

    /** Most bytes in one message: small enough for keystroke latency, big enough for throughput. */
    static final int CHUNK = 32 * 1024;
    /** Control messages waiting at most; beyond, process notices are dropped (the output continues). */
    static final int MAX_CONTROL = 64;
    /** How long an exit notice waits for the process's last output (a grandchild may hold its pipe). */
    static final long DRAIN_WAIT_MILLIS = 1000;

    /** A message to send once the cursor has reached {@code at}; {@code end} ends the stream after it. */
    private record Control(long at, AttachOutputResponse message, Status end) {
    }

    final String id = UUID.randomUUID().toString();
    private final String name;
    private final ProcessOutput output;
    private final OffsetSpace space;
    private final ServerCallStreamObserver<AttachOutputResponse> out;
    private final boolean detachOnExit;
    private final Executor executor;
    private final Clock clock;
    private final Path logdir;
    private final Runnable onClose;
    private final ArrayDeque<Control> control = new ArrayDeque<>();
    /** Where processes that have not been announced yet begin: output beyond waits for their start notices. */
    private final java.util.List<Long> barriers = new java.util.ArrayList<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean pending;
    /**
     * gRPC said the client cannot take more: nothing is worth doing until its ready handler runs.
     * Set by the drain when it stops on a full stream; cleared by the ready handler and at the
     * start of each drain.
     */
    private volatile boolean stalled;
    /** Drains run so far, for tests: a stalled session runs none until its client reads. */
    private final java.util.concurrent.atomic.AtomicLong drains = new java.util.concurrent.atomic.AtomicLong();
    /** Serialises notices, so an exit waiting for the last output is not overtaken by the next start. */
    private CompletableFuture<Void> notices = CompletableFuture.completedFuture(null);
    private long cursor;
    private boolean closed;
    private boolean removed;
    private volatile Status abort;
    /** Nothing is sent before {@link #start}: gRPC may call the ready handler before the session knows its cursor. */
    private boolean begun;

    /** Must be created during the RPC call itself: gRPC takes the ready and cancel handlers only then. */
    AttachSession(String name, ProcessOutput output, OffsetSpace space, ServerCallStreamObserver<AttachOutputResponse> out,
            boolean detachOnExit, Executor executor, Clock clock, Path logdir, Runnable onClose) {
        this.name = name;
        this.output = output;
        this.space = space;
        this.out = out;
        this.detachOnExit = detachOnExit;
        this.executor = executor;
        this.clock = clock;
        this.logdir = logdir;
        this.onClose = onClose;
        out.setOnReadyHandler(this::ready);
        out.setOnCancelHandler(this::cancelled);
    }

    /**
     * Starts the stream at {@code from} (an offset of the session's space; older than the ring's
     * start means a skip comes first) with {@code started} as its first message.
     *
     * @param endNow end the stream (OK) right after what is held: detach_on_exit for a process that is not running
     */
    void start(AttachOutputResponse started, long from, boolean endNow) {
        synchronized (this) {
            cursor = from;
            begun = true;
            // First, even if a lease change was queued between joining the lease and now.
            control.addFirst(new Control(Long.MIN_VALUE, started, null));
            if (endNow) {
                control.add(new Control(output.ring().end(space), null, Status.OK));
            }
        }
        output.addViewer(this);
        wake();
    }

    /** The session's input lease changed (called by {@link InputLeases} with its lock held: only queue). */
    void leaseChanged(InputLeases.Lease lease) {
        enqueue(new Control(Long.MIN_VALUE, AttachOutputResponse.newBuilder().setInputLease(lease(lease)).build(), null));
    }

    static InputLease lease(InputLeases.Lease l) {
        return InputLease.newBuilder().setGranted(l.granted()).setShared(l.shared()).setHolder(l.holder()).build();
    }

    /** Engine events: process notices for this instance, and its removal. Engine thread. */
    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.StateChanged c when c.process().equals(name) -> {
                if (c.to() == dev.taskmaster.server.engine.ProcessState.STARTING && c.pid() > 0) {
                    ProcessNotice n = notice(ProcessNoticeKind.PROCESS_NOTICE_KIND_STARTED, c);
                    long at = output.runStart(c.pid(), space).orElse(output.ring().end(space));
                    chain(CompletableFuture.completedFuture(null), () -> {
                        synchronized (this) {
                            barriers.remove(Long.valueOf(at)); // set by runBegins
                        }
                        return new Control(at, message(n), null);
                    });
                } else if (c.exit().isPresent() && c.from().hasProcess()
                        && !(c.exit().get().outcome() instanceof ExitOutcome.SpawnFailed)) {
                    ProcessNotice n = notice(ProcessNoticeKind.PROCESS_NOTICE_KIND_EXITED, c);
                    Status end;
                    synchronized (this) {
                        end = removed ? gone() : detachOnExit ? Status.OK : null;
                    }
                    int pid = c.exit().get().pid();
                    CompletableFuture<Void> drained = output.drained(pid)
                            .completeOnTimeout(null, DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                    // Right after the run's last output, even if the next run has begun printing meanwhile.
                    chain(drained, () -> new Control(output.runEnd(pid, space).orElse(output.ring().end(space)),
                            message(n), end));
                }
            }
            case EngineEvent.ConfigReloaded r -> {
                boolean gone = r.diff().instances().stream()
                        .anyMatch(i -> i.name().equals(name) && i.kind() == ConfigDiff.Kind.REMOVED);
                if (gone) {
                    synchronized (this) {
                        removed = true;
                    }
                    if (!output.running()) {
                        chain(CompletableFuture.completedFuture(null), () -> new Control(output.ring().end(space), null, gone()));
                    }
                }
            }
            default -> { }
        }
    }

    private Status gone() {
        return Status.NOT_FOUND.withDescription("process \"" + name + "\" was removed from the configuration");
    }

    private ProcessNotice notice(ProcessNoticeKind kind, EngineEvent.StateChanged c) {
        return ProcessNotice.newBuilder().setKind(kind).setProcess(Protos.process(c.after(), clock.instant(), logdir)).build();
    }

    private static AttachOutputResponse message(ProcessNotice n) {
        return AttachOutputResponse.newBuilder().setProcessNotice(n).build();
    }

    private synchronized void chain(CompletableFuture<Void> after, java.util.function.Supplier<Control> make) {
        notices = notices.thenCombine(after, (a, b) -> (Void) null).thenRun(() -> enqueue(make.get()));
    }

    private void enqueue(Control c) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (control.size() >= MAX_CONTROL && c.end() == null) {
                return; // a client that reads nothing while the process restarts in a loop: notices go
            }
            control.add(c);
        }
        wake();
    }

    /**
     * A new process of the instance is about to print from {@code start} on: its output waits
     * until the start notice is queued (which may itself wait behind an exit notice that waits
     * for the previous process's last output).
     */
    @Override
    public void runBegins(long[] start) {
        synchronized (this) {
            barriers.add(start[space.ordinal()]);
        }
    }

    /** The spawn failed: its barrier goes (only its own: a failure before a run began set none). */
    @Override
    public void runAbandoned(long[] start) {
        synchronized (this) {
            barriers.remove(Long.valueOf(start[space.ordinal()]));
        }
        wake();
    }

    /**
     * Something new to send (output or a message). Returns at once; while the client does not
     * read, it does nothing at all: what came meanwhile is found when it reads again.
     */
    @Override
    public void wake() {
        if (stalled) {
            return;
        }
        schedule();
    }

    /**
     * gRPC's ready handler: the client read, there is room in its window again. A handler that
     * runs late, after a drain already sent into that room and found the stream full again,
     * finds it not ready and does nothing: gRPC calls it again when the stream turns ready.
     */
    private void ready() {
        if (!out.isReady()) {
            return;
        }
        stalled = false;
        schedule();
    }

    private void schedule() {
        pending = true;
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drainLoop);
        }
    }

    /** Whether the session waits for its client to read (for tests). */
    boolean stalled() {
        return stalled;
    }

    /**
     * Whether the session is stalled with no drain running or due (for tests): a drain that
     * stalls may still be followed by one more, for a wake that came while it ran.
     */
    boolean stalledAndIdle() {
        return stalled && !pending && !scheduled.get();
    }

    /** How many times the session has drained (for tests). */
    long drains() {
        return drains.get();
    }

    private void drainLoop() {
        do {
            pending = false;
            drains.incrementAndGet();
            Status end;
            try {
                end = drain();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(AttachSession.class).warn("attach {}: {}", name, e.toString());
                end = Status.INTERNAL.withDescription("attach failed: " + e.getMessage());
            }
            if (end != null) {
                finish(end);
                return; // scheduled stays set: nothing is sent after the end
            }
            scheduled.set(false);
        } while (pending && scheduled.compareAndSet(false, true));
    }

    /**
     * Sends what the client can take now: due control messages, a skip if it fell behind, then
     * output. Returns the status to end the stream with, or null to go on.
     */
    private synchronized Status drain() {
        if (abort != null) {
            return abort;
        }
        if (!begun) {
            return null;
        }
        OutputRing ring = output.ring();
        // Whatever ran this drain, the stream is looked at afresh: a drain that ends caught up
        // must leave the session awake, or the next output would wait for a ready handler that
        // never comes (the stream is ready).
        stalled = false;
        while (!closed) {
            if (!out.isReady()) {
                // Wakes cost nothing from now on. If the ready handler ran since isReady said no,
                // it set pending too, so the drain loop comes back here and finds it ready.
                stalled = true;
                return null;
            }
            Control c = control.peek();
            if (c != null && c.at() <= cursor) {
                control.poll();
                if (c.message() != null) {
                    out.onNext(c.message());
                }
                if (c.end() != null) {
                    return c.end();
                }
                continue;
            }
            long start = ring.start(space);
            if (cursor < start) {
                skip(start);
                continue;
            }
            long limit = Math.min(ring.end(space), c != null ? c.at() : Long.MAX_VALUE);
            for (long b : barriers) {
                limit = Math.min(limit, Math.max(b, cursor));
            }
            if (cursor >= limit) {
                if (c != null && c.at() > ring.end(space)) {
                    cursor = c.at(); // cannot happen (offsets come from the ring), but never wedge on it
                    continue;
                }
                return null;
            }
            for (OutputRing.Piece p : ring.read(space, cursor, (int) Math.min(CHUNK, limit - cursor))) {
                if (p.offset() > cursor) {
                    skip(p.offset()); // evicted between the check and the read
                }
                // The piece's array is a fresh copy nobody writes again: wrapping it saves a copy per chunk.
                out.onNext(AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder()
                        .setStream(p.stream() == dev.taskmaster.server.output.StdStream.STDOUT
                                ? OutputStream.OUTPUT_STREAM_STDOUT : OutputStream.OUTPUT_STREAM_STDERR)
                        .setOffset(p.offset()).setData(UnsafeByteOperations.unsafeWrap(p.data()))).build());
                cursor = p.offset() + p.data().length;
            }
        }
        return null;
    }

    private void skip(long to) {
        out.onNext(AttachOutputResponse.newBuilder().setSkipped(OutputSkipped.newBuilder()
                .setBytesSkipped(to - cursor).setResumeOffset(to)).build());
        cursor = to;
    }

    /** Ends the stream with {@code status} from any thread: the drain sends it, whether or not the client reads. */
    void abort(Status status) {
        abort = status;
        schedule();
    }

    /** Ends the stream; on the draining thread only, so it never races a message being sent. */
    private void finish(Status status) {
        if (!markClosed()) {
            return;
        }
        cleanUp();
        try {
            if (status.isOk()) {
                out.onCompleted();
            } else {
                out.onError(status.asRuntimeException());
            }
        } catch (IllegalStateException alreadyOver) {
            // the client cancelled at the same moment
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** The client went away. */
    private void cancelled() {
        if (markClosed()) {
            cleanUp();
        }
    }

    private synchronized boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        control.clear();
        return true;
    }

    /** Outside this session's lock: leaving the lease tells other sessions, which takes their locks. */
    private void cleanUp() {
        output.removeViewer(this);
        output.leases().leave(id);
        onClose.run();
    }
}
