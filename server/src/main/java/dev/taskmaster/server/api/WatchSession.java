package dev.taskmaster.server.api;

import dev.taskmaster.proto.v1.ConfigReloaded;
import dev.taskmaster.proto.v1.DaemonShuttingDown;
import dev.taskmaster.proto.v1.DaemonStarted;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.EventsMissed;
import dev.taskmaster.proto.v1.EventsMissedReason;
import dev.taskmaster.proto.v1.ProcessStateChanged;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * One {@code WatchEvents} stream. The engine thread hands it events (as a journal listener);
 * they wait in a bounded buffer until gRPC says the client can take more (isReady), so a slow
 * client never slows the engine or other clients. Events are made into messages only when they
 * are sent, so what a client does not read costs the engine a filter and a queue slot.
 *
 * <p>A client too slow for the buffer gets {@code EventsMissed} and a fresh snapshot instead of
 * the events it missed, when it reads again: from the overflow until then each event costs one
 * volatile read, and the snapshot is taken (once) only when gRPC's ready handler says the client
 * reads. Cancelling the stream removes the listener; {@link #end} ends it (daemon shutdown) after
 * what is queued.
 *
 * <p>Thread-safe: the engine thread, the heartbeat timer and gRPC's threads all call in.
 */
final class WatchSession implements Consumer<EngineEvent> {

    static final int BUFFER = 4096;

    /** What waits to go out: an engine event, made into a message when sent, or a message made already. */
    private record Outgoing(EngineEvent event, WatchEventsResponse message) {
    }

    private final Engine engine;
    private final ServerCallStreamObserver<WatchEventsResponse> out;
    /** Which processes are reported; every one until {@link #start}. */
    private volatile WatchFilter filter = WatchFilter.of(List.of(), List.of(), name -> java.util.Optional.empty());
    private final String journalId;
    private final Clock clock;
    private final Path logdir;
    private final java.util.function.Supplier<String> configPath;
    private final Runnable onClose;
    private final ArrayDeque<Outgoing> buffer = new ArrayDeque<>();
    /** gRPC said the client cannot take more; cleared by its ready handler and at each drain. */
    private volatile boolean stalled;
    /** The buffer overflowed: every event is dropped until the client reads again and is resynchronised. */
    private volatile boolean overflowed;
    /** A snapshot was asked for after an overflow: events wait, the ones it covers are dropped when it comes. */
    private boolean awaitingSnapshot;
    /** Counts overflows, so that a snapshot asked for before the latest one is not used. */
    private int overflows;
    /** The sequence of the last event or snapshot sent: where the client was when it missed events. */
    private long sent;
    /**
     * The last sequence this stream has accounted for: queued (or sent), filtered out, or covered by
     * the snapshot it starts from. A heartbeat says this, not the journal's latest, which may be an
     * event the engine thread has numbered but not handed to this stream yet: a client that
     * resumed from that + 1 would lose it. Written on the engine thread (and by start, under the lock).
     */
    private volatile long heard;
    /** A usage report waits to go out: the next one is not made until it has (a slow client gets no backlog). */
    private volatile boolean usageWaiting;
    private boolean started;
    private boolean closed;
    /** {@link #close} has let go of the journal and told the owner. */
    private boolean released;
    private java.util.concurrent.ScheduledFuture<?> heartbeats;
    private java.util.concurrent.ScheduledFuture<?> usageReports;
    /** When the last message went out (System.nanoTime): heartbeats come only after an idle interval. */
    private volatile long lastSent = System.nanoTime();

    /**
     * Must be created during the RPC call itself: gRPC takes the ready and cancel handlers only then.
     *
     * @param onClose run once when the stream ends, however it ends
     */
    WatchSession(Engine engine, ServerCallStreamObserver<WatchEventsResponse> out, String journalId, Clock clock,
            Path logdir, java.util.function.Supplier<String> configPath, Runnable onClose) {
        this.configPath = configPath;
        this.engine = engine;
        this.out = out;
        this.journalId = journalId;
        this.clock = clock;
        this.logdir = logdir;
        this.onClose = onClose;
        out.setOnReadyHandler(this::ready);
        out.setOnCancelHandler(this::close);
    }

    /**
     * Starts the stream: a snapshot (from 0), or the kept events from {@code from} on, that one
     * included (the contract's "every kept event with sequence >= N"), then live events. A
     * {@code from} in the future has been refused by the caller.
     *
     * @param filter which processes to report
     */
    void start(WatchFilter filter, long from, String clientJournal) {
        this.filter = filter;
        engine.listen(from, this).whenComplete((at, error) -> {
            if (error != null) {
                fail(error);
                return;
            }
            synchronized (this) {
                if (closed) {
                    // Ended (cancelled, or the daemon stopping) before the listener was in: take it out again.
                    engine.journal().removeListener(this);
                    return;
                }
                sent = from;
                heard = Math.max(heard, at.sequence());
                if (from == 0) {
                    buffer.addFirst(new Outgoing(null, snapshot(at.sequence(), at.processes())));
                } else if (!clientJournal.isEmpty() && !clientJournal.equals(journalId)) {
                    buffer.addFirst(new Outgoing(null, snapshot(at.sequence(), at.processes())));
                    buffer.addFirst(new Outgoing(null, missed(EventsMissedReason.EVENTS_MISSED_REASON_DAEMON_RESTARTED, from,
                            at.oldest())));
                } else if (from < at.oldest()) {
                    // Event `from` itself is no longer kept.
                    buffer.addFirst(new Outgoing(null, snapshot(at.sequence(), at.processes())));
                    buffer.addFirst(new Outgoing(null, missed(EventsMissedReason.EVENTS_MISSED_REASON_HISTORY_TRUNCATED, from,
                            at.oldest())));
                } else {
                    List<Outgoing> replay = at.history().stream().filter(this::wanted).map(e -> new Outgoing(e, null)).toList();
                    replay.reversed().forEach(buffer::addFirst);
                }
                // Live events may have come (on the engine thread, once listening) before this ran
                // elsewhere: they stay after the snapshot or the replay, and nothing went out before.
                started = true;
            }
            drain();
        });
    }

    /**
     * Sends a {@code Heartbeat} whenever the stream has been idle for {@code interval} (the
     * contract's words: nothing sent for that long, and nothing waiting), so a client can tell a
     * quiet stream from a dead one (and that a replay is over).
     */
    void heartbeats(java.util.concurrent.ScheduledExecutorService timer, java.time.Duration interval) {
        beatAfter(timer, interval, interval.toNanos());
    }

    /** The next look at the stream's idleness, in {@code delay} nanoseconds; one at a time per stream. */
    private void beatAfter(java.util.concurrent.ScheduledExecutorService timer, java.time.Duration interval, long delay) {
        synchronized (this) {
            if (closed) {
                return;
            }
            heartbeats = timer.schedule(() -> beat(timer, interval), delay, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private void beat(java.util.concurrent.ScheduledExecutorService timer, java.time.Duration interval) {
        long idle = System.nanoTime() - lastSent;
        if (idle < interval.toNanos()) {
            beatAfter(timer, interval, interval.toNanos() - idle); // something went out meanwhile
            return;
        }
        boolean queued = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (started && buffer.isEmpty() && !overflowed && !awaitingSnapshot) {
                // Nothing waits: every event up to `heard` has been sent or filtered out.
                buffer.add(new Outgoing(null, WatchEventsResponse.newBuilder().setHeartbeat(
                        dev.taskmaster.proto.v1.Heartbeat.newBuilder().setLatestSequence(heard)
                                .setTime(Protos.timestamp(clock.instant()))).build()));
                queued = true;
            }
        }
        if (queued && !stalled) {
            drain();
        }
        // A stream that cannot take it (stalled, resynchronising) is looked at again an interval on.
        beatAfter(timer, interval, interval.toNanos());
    }

    /**
     * Sends a {@code UsageReport} every {@code interval}, made by {@code report} (off the engine
     * thread). A report that has not gone out yet (the client reads slowly) holds the next one back.
     */
    void usageReports(java.util.concurrent.ScheduledExecutorService timer, java.time.Duration interval,
            java.util.function.Supplier<java.util.concurrent.CompletableFuture<WatchEventsResponse>> report) {
        java.util.concurrent.atomic.AtomicBoolean making = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> ticks = timer.scheduleAtFixedRate(() -> {
            if (closed || usageWaiting || !making.compareAndSet(false, true)) {
                return;
            }
            report.get().whenComplete((message, error) -> {
                making.set(false);
                if (error != null) {
                    org.slf4j.LoggerFactory.getLogger(WatchSession.class).debug("usage report: {}", error.toString());
                    return; // the engine is stopping; the stream ends soon
                }
                synchronized (this) {
                    if (closed || !started || usageWaiting) {
                        return;
                    }
                    usageWaiting = true;
                    buffer.add(new Outgoing(null, message));
                }
                if (!stalled) {
                    drain();
                }
            });
        }, interval.toNanos(), interval.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        synchronized (this) {
            usageReports = ticks;
            if (closed) {
                ticks.cancel(false);
            }
        }
    }

    /** Called on the engine thread for every new event. */
    @Override
    public void accept(EngineEvent event) {
        if (overflowed || !wanted(event)) {
            heard = event.sequence(); // accounted for: filtered out, or in the snapshot the client will get
            return;
        }
        synchronized (this) {
            heard = event.sequence();
            if (closed || overflowed) {
                return;
            }
            if (buffer.size() >= BUFFER) {
                // Nothing more is kept or made for this client until it reads again (see ready).
                buffer.clear();
                usageWaiting = false;
                overflowed = true;
                awaitingSnapshot = false;
                overflows++;
                return;
            }
            buffer.add(new Outgoing(event, null));
        }
        if (!stalled) {
            drain();
        }
    }

    /** gRPC's ready handler: the client read, there is room again. */
    private void ready() {
        stalled = false;
        drain();
    }

    /** After an overflow, once the client reads: a snapshot taken now, and the events from it on. */
    private void resync(int overflow) {
        engine.snapshotAt().whenComplete((at, error) -> {
            boolean failed = false;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (overflow != overflows) {
                    // Overflowed again meanwhile: this one is too old, the drain below asks for a newer one.
                } else if (error != null) {
                    failed = true;
                } else {
                    // Events queued since the snapshot was asked for and already in it are not sent twice.
                    buffer.removeIf(o -> o.event() != null && o.event().sequence() <= at.sequence());
                    buffer.addFirst(new Outgoing(null, snapshot(at.sequence(), at.processes())));
                    buffer.addFirst(new Outgoing(null, missed(EventsMissedReason.EVENTS_MISSED_REASON_WATCHER_TOO_SLOW, sent,
                            at.oldest())));
                    awaitingSnapshot = false;
                }
            }
            if (failed) {
                endNow(io.grpc.Status.UNAVAILABLE.withDescription("cannot take a snapshot: " + error.getMessage()));
            } else {
                drain();
            }
        });
    }

    /** Sends what the client can take now. gRPC's ready handler calls it again when the client can take more. */
    private void drain() {
        int resync = -1;
        synchronized (this) {
            stalled = false; // a drain that finds the stream ready must leave the session awake
            while (!closed && started) {
                if (!out.isReady()) {
                    // Events queue (cheaply) until the ready handler; if it ran since isReady said
                    // no, it drains again right after this one.
                    stalled = true;
                    break;
                }
                if (overflowed) {
                    overflowed = false;
                    awaitingSnapshot = true;
                    resync = overflows;
                    break;
                }
                if (awaitingSnapshot) {
                    break;
                }
                Outgoing o = buffer.poll();
                if (o == null) {
                    break;
                }
                send(o);
            }
        }
        if (resync >= 0) {
            resync(resync);
        }
    }

    /** With this session's lock held. */
    private void send(Outgoing o) {
        lastSent = System.nanoTime();
        if (o.message() != null && o.message().hasUsageReport()) {
            usageWaiting = false;
        }
        if (o.event() != null) {
            sent = o.event().sequence();
            out.onNext(WatchEventsResponse.newBuilder().setEvent(toProto(o.event())).build());
        } else {
            if (o.message().hasSnapshot()) {
                sent = o.message().getSnapshot().getSequence();
            }
            out.onNext(o.message());
        }
    }

    /**
     * Ends the stream with {@code status} (the daemon shuts down) after what is queued for it: those
     * go out whether or not the client reads (at most {@link #BUFFER}, and gRPC sends them as it
     * can), so that a client sees the shutdown event before the end.
     */
    void end(io.grpc.Status status) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (started && !overflowed && !awaitingSnapshot) {
                for (Outgoing o; (o = buffer.poll()) != null; ) {
                    send(o);
                }
            }
        }
        endNow(status);
    }

    private void endNow(io.grpc.Status status) {
        close();
        synchronized (this) {
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
    }

    /** Whether the session waits for its client to read (for tests). */
    boolean stalled() {
        return stalled;
    }

    /** Whether events are being dropped until the client reads again (for tests). */
    boolean overflowed() {
        return overflowed;
    }

    /** Events that are reported to this client at all: its targets' and every daemon-wide one. */
    private boolean wanted(EngineEvent e) {
        return switch (e) {
            case EngineEvent.StateChanged c -> filter.matches(c.after().spec());
            case EngineEvent.HealthChanged h -> filter.matches(h.after().spec());
            case EngineEvent.StartSkipped k -> filter.matches(k.after().spec());
            case EngineEvent.LogWriting w -> filter.matches(w.process());
            case EngineEvent.ConfigRejected r -> false; // no change to report; the daemon log has the errors
            default -> true;
        };
    }

    private Event toProto(EngineEvent e) {
        Event.Builder b = Event.newBuilder().setSequence(e.sequence()).setTime(Protos.timestamp(e.time()));
        switch (e) {
            case EngineEvent.StateChanged c -> {
                ProcessStateChanged.Builder p = ProcessStateChanged.newBuilder().setFromState(Protos.state(c.from()))
                        .setToState(Protos.state(c.to())).setReason(c.reason()).setRequestedBy(c.requestedBy())
                        .setProcess(Protos.process(c.after(), c.time(), logdir));
                c.exit().ifPresent(x -> p.setExit(Protos.exit(x)));
                b.setProcessStateChanged(p);
            }
            case EngineEvent.HealthChanged h -> b.setHealthChanged(dev.taskmaster.proto.v1.HealthChanged.newBuilder()
                    .setFromStatus(HealthProtos.status(h.from())).setToStatus(HealthProtos.status(h.to()))
                    .setProcess(Protos.process(h.after(), h.time(), logdir)));
            case EngineEvent.StartSkipped k -> b.setScheduledStartSkipped(dev.taskmaster.proto.v1.ScheduledStartSkipped.newBuilder()
                    .setProcessName(k.process()).setReason(k.reason()).setProcess(Protos.process(k.after(), k.time(), logdir)));
            case EngineEvent.ConfigReloaded r -> configChanged(b, r);
            case EngineEvent.DaemonStarted d -> b.setDaemonStarted(DaemonStarted.newBuilder()
                    .setPid(Math.toIntExact(ProcessHandle.current().pid())).setVersion(dev.taskmaster.server.daemon.Version.current())
                    .setConfigPath(configPath.get()));
            case EngineEvent.ShutdownStarted s -> b.setDaemonShuttingDown(DaemonShuttingDown.newBuilder().setReason(s.reason())
                    .setRequestedBy(s.requestedBy()));
            case EngineEvent.ConfigRejected r -> throw new IllegalStateException("not wanted: " + r);
            case EngineEvent.LogWriting w -> Protos.logWriting(b, w);
            case EngineEvent.NotificationFailed n -> b.setNotificationFailed(dev.taskmaster.proto.v1.NotificationFailed
                    .newBuilder().setRule(n.rule()).setTarget(n.target()).setReason(n.reason())
                    .setMessagesLost(n.messagesLost()));
        }
        return b.build();
    }

    /** A reload of the file, or a program added, updated or removed through the API: each has its own event. */
    private void configChanged(Event.Builder b, EngineEvent.ConfigReloaded r) {
        dev.taskmaster.server.engine.ConfigChange change = r.change();
        dev.taskmaster.proto.v1.ConfigDiff diff = Protos.diff(r.diff());
        switch (change.kind()) {
            case RELOAD -> b.setConfigReloaded(ConfigReloaded.newBuilder().setDiff(diff).setConfigPath(configPath.get())
                    .setRequestedBy(change.requestedBy()));
            case PROGRAM_ADDED -> b.setProgramAdded(dev.taskmaster.proto.v1.ProgramAdded.newBuilder()
                    .setProgram(ProgramSpecs.toProto(change.program().orElseThrow())).setDiff(diff)
                    .setRequestedBy(change.requestedBy()));
            case PROGRAM_UPDATED -> b.setProgramUpdated(dev.taskmaster.proto.v1.ProgramUpdated.newBuilder()
                    .setProgram(ProgramSpecs.toProto(change.program().orElseThrow())).setDiff(diff)
                    .setRequestedBy(change.requestedBy()));
            case PROGRAM_REMOVED -> b.setProgramRemoved(dev.taskmaster.proto.v1.ProgramRemoved.newBuilder()
                    .setProgram(change.programName()).setDiff(diff).setRequestedBy(change.requestedBy()));
        }
    }

    private WatchEventsResponse snapshot(long sequence, List<ProcessSnapshot> processes) {
        Snapshot.Builder s = Snapshot.newBuilder().setJournalId(journalId).setSequence(sequence)
                .setTime(Protos.timestamp(clock.instant()));
        processes.stream().filter(p -> filter.matches(p.spec()))
                .forEach(p -> s.addProcesses(Protos.process(p, clock.instant(), logdir)));
        return WatchEventsResponse.newBuilder().setSnapshot(s).build();
    }

    private WatchEventsResponse missed(EventsMissedReason reason, long requested, long oldest) {
        return WatchEventsResponse.newBuilder().setEventsMissed(EventsMissed.newBuilder().setReason(reason)
                .setRequestedSequence(requested).setOldestAvailableSequence(oldest).setJournalId(journalId)).build();
    }

    /** Ends the stream with {@code error} (a bad request found after the call returned). */
    void fail(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        endNow(cause instanceof io.grpc.StatusRuntimeException s ? s.getStatus()
                : io.grpc.Status.INTERNAL.withDescription("cannot watch events: " + cause.getMessage()));
    }

    /** Stops sending and lets go of the journal; the first call only runs {@code onClose}. */
    private void close() {
        synchronized (this) {
            closed = true;
            buffer.clear();
            if (heartbeats != null) {
                heartbeats.cancel(false);
            }
            if (usageReports != null) {
                usageReports.cancel(false);
            }
            if (released) {
                return;
            }
            released = true;
        }
        engine.journal().removeListener(this);
        onClose.run();
    }

}
