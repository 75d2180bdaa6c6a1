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
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code WatchEvents} stream. The engine thread hands it events (as a journal listener);
 * they wait in a bounded buffer until gRPC says the client can take more (isReady), so a slow
 * client never slows the engine or other clients. A client too slow for the buffer gets
 * {@code EventsMissed} and a fresh snapshot instead of the events it missed. Cancelling the
 * stream removes the listener. Thread-safe: the engine thread and gRPC's threads both call in.
 */
final class WatchSession implements Consumer<EngineEvent> {

    static final int BUFFER = 4096;

    private final Engine engine;
    private final ServerCallStreamObserver<WatchEventsResponse> out;
    private volatile Set<String> only = Set.of();
    private final String journalId;
    private final Clock clock;
    private final Path logdir;
    private final java.util.function.Supplier<String> configPath;
    private final ArrayDeque<WatchEventsResponse> buffer = new ArrayDeque<>();
    private boolean resyncing;
    private boolean closed;
    private java.util.concurrent.ScheduledFuture<?> heartbeats;

    /** Must be created during the RPC call itself: gRPC takes the ready and cancel handlers only then. */
    WatchSession(Engine engine, ServerCallStreamObserver<WatchEventsResponse> out, String journalId, Clock clock,
            Path logdir, java.util.function.Supplier<String> configPath) {
        this.configPath = configPath;
        this.engine = engine;
        this.out = out;
        this.journalId = journalId;
        this.clock = clock;
        this.logdir = logdir;
        out.setOnReadyHandler(this::drain);
        out.setOnCancelHandler(this::close);
    }

    /**
     * Starts the stream: a snapshot (or the kept events after {@code from}), then live events.
     *
     * @param names instance names to report; empty for all
     */
    void start(Set<String> names, long from, String clientJournal) {
        this.only = Set.copyOf(names);
        engine.listen(from, this).whenComplete((at, error) -> {
            if (error != null) {
                fail(error);
                return;
            }
            synchronized (this) {
                if (from == 0) {
                    buffer.add(snapshot(at.sequence(), at.processes()));
                } else if (!clientJournal.isEmpty() && !clientJournal.equals(journalId)) {
                    buffer.add(missed(EventsMissedReason.EVENTS_MISSED_REASON_DAEMON_RESTARTED, from, at.oldest()));
                    buffer.add(snapshot(at.sequence(), at.processes()));
                } else if (from + 1 < at.oldest()) {
                    buffer.add(missed(EventsMissedReason.EVENTS_MISSED_REASON_HISTORY_TRUNCATED, from, at.oldest()));
                    buffer.add(snapshot(at.sequence(), at.processes()));
                } else {
                    at.history().forEach(e -> toProto(e).ifPresent(buffer::add));
                }
            }
            drain();
        });
    }

    /**
     * Sends a {@code Heartbeat} every {@code interval} while nothing else is waiting to go out, so
     * a client can tell a quiet stream from a dead one (and that a replay is over).
     */
    void heartbeats(java.util.concurrent.ScheduledExecutorService timer, java.time.Duration interval) {
        heartbeats = timer.scheduleAtFixedRate(() -> {
            synchronized (this) {
                if (!closed && buffer.isEmpty()) {
                    buffer.add(WatchEventsResponse.newBuilder().setHeartbeat(dev.taskmaster.proto.v1.Heartbeat.newBuilder()
                            .setLatestSequence(engine.journal().lastSequence()).setTime(Protos.timestamp(clock.instant())))
                            .build());
                }
            }
            drain();
        }, interval.toNanos(), interval.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Called on the engine thread for every new event. */
    @Override
    public void accept(EngineEvent event) {
        java.util.Optional<WatchEventsResponse> message = toProto(event);
        if (message.isEmpty()) {
            return;
        }
        boolean overflow;
        synchronized (this) {
            if (closed || resyncing) {
                return;
            }
            overflow = buffer.size() >= BUFFER;
            if (overflow) {
                buffer.clear();
                resyncing = true;
            } else {
                buffer.add(message.get());
            }
        }
        if (overflow) {
            // We are on the engine thread: the snapshot taken now is consistent with the events to come.
            resync(event.sequence());
        } else {
            drain();
        }
    }

    /** Events dropped until the snapshot is taken are part of it: its sequence says where the stream resumes. */
    private void resync(long lastSeen) {
        engine.snapshotAt().thenAccept(at -> {
            synchronized (this) {
                buffer.add(missed(EventsMissedReason.EVENTS_MISSED_REASON_WATCHER_TOO_SLOW, lastSeen, at.oldest()));
                buffer.add(snapshot(at.sequence(), at.processes()));
                resyncing = false;
            }
            drain();
        });
    }

    /** Sends what the client can take now. gRPC calls it again when the client is ready for more. */
    private synchronized void drain() {
        while (!closed && !buffer.isEmpty() && out.isReady()) {
            out.onNext(buffer.poll());
        }
    }

    private java.util.Optional<WatchEventsResponse> toProto(EngineEvent e) {
        Event.Builder b = Event.newBuilder().setSequence(e.sequence()).setTime(Protos.timestamp(e.time()));
        switch (e) {
            case EngineEvent.StateChanged c -> {
                if (!only.isEmpty() && !only.contains(c.process())) {
                    return java.util.Optional.empty();
                }
                ProcessStateChanged.Builder p = ProcessStateChanged.newBuilder().setFromState(Protos.state(c.from()))
                        .setToState(Protos.state(c.to())).setReason(c.reason()).setRequestedBy(c.requestedBy())
                        .setProcess(Protos.process(c.after(), c.time(), logdir));
                c.exit().ifPresent(x -> p.setExit(Protos.exit(x)));
                b.setProcessStateChanged(p);
            }
            case EngineEvent.ConfigReloaded r -> configChanged(b, r);
            case EngineEvent.DaemonStarted d -> b.setDaemonStarted(DaemonStarted.newBuilder()
                    .setPid(Math.toIntExact(ProcessHandle.current().pid())).setVersion(dev.taskmaster.server.daemon.Version.current())
                    .setConfigPath(configPath.get()));
            case EngineEvent.ShutdownStarted s -> b.setDaemonShuttingDown(DaemonShuttingDown.newBuilder().setReason(s.reason())
                    .setRequestedBy(s.requestedBy()));
            case EngineEvent.ConfigRejected r -> {
                return java.util.Optional.empty(); // no change to report; the daemon log has the errors
            }
            case EngineEvent.LogWriting w -> {
                if (!only.isEmpty() && !only.contains(w.process())) {
                    return java.util.Optional.empty();
                }
                Protos.logWriting(b, w);
            }
        }
        return java.util.Optional.of(WatchEventsResponse.newBuilder().setEvent(b).build());
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
        processes.stream().filter(p -> only.isEmpty() || only.contains(p.name()))
                .forEach(p -> s.addProcesses(Protos.process(p, clock.instant(), logdir)));
        return WatchEventsResponse.newBuilder().setSnapshot(s).build();
    }

    private WatchEventsResponse missed(EventsMissedReason reason, long requested, long oldest) {
        return WatchEventsResponse.newBuilder().setEventsMissed(EventsMissed.newBuilder().setReason(reason)
                .setRequestedSequence(requested).setOldestAvailableSequence(oldest).setJournalId(journalId)).build();
    }

    /** Ends the stream with {@code error} (a bad request found after the call returned). */
    void fail(Throwable error) {
        if (error instanceof io.grpc.StatusRuntimeException s) {
            close();
            synchronized (this) {
                out.onError(s);
            }
            return;
        }
        close();
        synchronized (this) {
            out.onError(io.grpc.Status.INTERNAL.withDescription("cannot watch events: " + error.getMessage()).asRuntimeException());
        }
    }

    private void close() {
        synchronized (this) {
            closed = true;
            buffer.clear();
            if (heartbeats != null) {
                heartbeats.cancel(false);
            }
        }
        engine.journal().removeListener(this);
    }

}
