package dev.taskmaster.tui;

import com.google.protobuf.Duration;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.SocketCheck;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetException;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The connection to one daemon (a local socket, or a remote host over TLS): GetServerInfo, then its WatchEvents stream (resumed from the last
 * sequence seen after a reconnect, so the events missed in between are replayed or, if no longer
 * held, replaced by a fresh snapshot), a usage poll, and reconnection with capped exponential
 * backoff when the daemon goes away. Other daemons' links are independent of this one.
 *
 * <p>Threads: gRPC callbacks and the shared timer run its code; it changes the screen only
 * through {@link Ui#post}. Its own state is a few volatile fields written by one callback at a
 * time (a stream's callbacks are serialized, and a new stream starts only after the old one ended).
 */
final class DaemonLink implements AutoCloseable {

    static final java.time.Duration FIRST_RETRY = java.time.Duration.ofMillis(500);
    static final java.time.Duration MAX_RETRY = java.time.Duration.ofSeconds(10);
    static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(2);
    static final java.time.Duration USAGE_EVERY = java.time.Duration.ofSeconds(2);
    static final java.time.Duration CALL_DEADLINE = java.time.Duration.ofSeconds(5);
    /**
     * A stream silent this long (five heartbeats missed) is given up and redialled: a remote host
     * that vanished without closing its connection (power, network) would otherwise look live
     * until TCP gives up, many minutes later.
     */
    static final java.time.Duration SILENCE = HEARTBEAT.multipliedBy(5);

    final Target target;
    private final DaemonChannel channel;
    private final Ui ui;
    private final ScheduledExecutorService timer;
    private final java.time.Duration silence;
    private volatile boolean closed;
    /** System.nanoTime() of the last message on the current stream (or of its start). */
    private volatile long lastHeard;
    /** Whether a WatchEvents stream is open (from its start until it ends). */
    private volatile boolean watching;
    private volatile ScheduledFuture<?> watchdog;
    private volatile boolean streaming;
    private volatile int failures;
    private volatile long sequence;
    private volatile String journalId = "";
    private volatile ClientCallStreamObserver<WatchEventsRequest> watch;
    private volatile ScheduledFuture<?> usagePoll;
    /** Whether the daemon filled in usage last time; if not, it is asked only every {@link #USAGE_IDLE_EVERY} polls. */
    private volatile boolean usageSeen = true;
    private volatile int pollsSkipped;
    static final int USAGE_IDLE_EVERY = 5;

    DaemonLink(Target target, DaemonChannel channel, Ui ui, ScheduledExecutorService timer) {
        this(target, channel, ui, timer, SILENCE);
    }

    /** @param silence how long the event stream may stay silent before it is given up (tests shorten it) */
    DaemonLink(Target target, DaemonChannel channel, Ui ui, ScheduledExecutorService timer, java.time.Duration silence) {
        this.target = target;
        this.channel = channel;
        this.ui = ui;
        this.timer = timer;
        this.silence = silence;
    }

    String label() {
        return target.label();
    }

    /** Starts connecting; returns at once. */
    void start() {
        connect();
        usagePoll = timer.scheduleWithFixedDelay(this::pollUsage, USAGE_EVERY.toMillis(), USAGE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        long check = Math.max(10, silence.toMillis() / 4);
        watchdog = timer.scheduleWithFixedDelay(this::checkSilence, check, check, TimeUnit.MILLISECONDS);
    }

    /** A non-blocking stub for one call that must end within {@code deadline}. */
    TaskmasterServiceGrpc.TaskmasterServiceStub async(java.time.Duration deadline) {
        return TaskmasterServiceGrpc.newStub(channel.channel()).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A non-blocking stub for a stream that lasts until cancelled. */
    TaskmasterServiceGrpc.TaskmasterServiceStub asyncUnbounded() {
        return TaskmasterServiceGrpc.newStub(channel.channel());
    }

    TaskmasterServiceGrpc.TaskmasterServiceBlockingStub blocking(java.time.Duration deadline) {
        return channel.blockingStub(deadline);
    }

    boolean streaming() {
        return streaming;
    }

    private void connect() {
        if (closed) {
            return;
        }
        String label = label();
        // A socket is checked before every attempt: the one that comes back may not be the daemon's.
        if (target.target().address() instanceof ServerAddress.Unix unix) {
            try {
                SocketCheck.verify(unix.socket(), SocketPaths.currentUid());
            } catch (TargetException refused) {
                lost(refused.getMessage());
                return;
            }
        }
        ui.post(m -> m.connecting(label));
        async(CALL_DEADLINE).getServerInfo(GetServerInfoRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(GetServerInfoResponse info) {
                ui.post(m -> m.serverInfo(label, info));
                watch();
            }

            @Override
            public void onError(Throwable t) {
                lost(Rpc.describe(t, target.target()));
            }

            @Override
            public void onCompleted() {
                // onNext started the watch.
            }
        });
    }

    private void watch() {
        if (closed) {
            return;
        }
        WatchEventsRequest.Builder req = WatchEventsRequest.newBuilder()
                .setHeartbeatInterval(Duration.newBuilder().setSeconds(HEARTBEAT.toSeconds()));
        if (sequence > 0) {
            // The contract: "replay every kept event with sequence >= N"; N is the one after the last seen.
            req.setFromSequence(sequence + 1).setJournalId(journalId);
        }
        String label = label();
        lastHeard = System.nanoTime();
        watching = true;
        asyncUnbounded().watchEvents(req.build(), new ClientResponseObserver<WatchEventsRequest, WatchEventsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchEventsRequest> call) {
                watch = call;
            }

            @Override
            public void onNext(WatchEventsResponse m) {
                lastHeard = System.nanoTime();
                if (!streaming) {
                    streaming = true;
                    failures = 0;
                }
                if (m.hasEvent() && m.getEvent().getSequence() <= sequence) {
                    // Already seen: the resume asked for sequence + 1, so only a daemon that replays
                    // from further back sends it again. Shown once all the same.
                    return;
                }
                track(m);
                ui.post(model -> model.apply(label, m));
                if (m.hasEvent() && (m.getEvent().hasConfigReloaded() || m.getEvent().hasProgramAdded()
                        || m.getEvent().hasProgramUpdated())) {
                    fetchAdded();
                }
            }

            @Override
            public void onError(Throwable t) {
                lost(Rpc.describe(t, target.target()));
            }

            @Override
            public void onCompleted() {
                lost("the daemon ended the event stream");
            }
        });
        if (closed) {
            watch.cancel("closed", null);
        }
    }

    /** Gives up a stream that has been silent longer than heartbeats allow; its onError then reconnects. */
    private void checkSilence() {
        ClientCallStreamObserver<WatchEventsRequest> w = watch;
        if (closed || !watching || w == null) {
            return;
        }
        long quiet = System.nanoTime() - lastHeard;
        if (quiet > silence.toNanos()) {
            w.cancel("no word from the daemon for " + Math.max(1, Math.round(quiet / 1e9))
                    + " s (its heartbeats stopped): the host or the network may be down", null);
        }
    }

    /** Remembers where the stream is, to resume from there after a reconnect. */
    private void track(WatchEventsResponse m) {
        switch (m.getKindCase()) {
            case SNAPSHOT -> {
                journalId = m.getSnapshot().getJournalId();
                sequence = m.getSnapshot().getSequence();
            }
            case EVENT -> sequence = Math.max(sequence, m.getEvent().getSequence());
            case EVENTS_MISSED -> {
                journalId = m.getEventsMissed().getJournalId();
                sequence = 0;
            }
            case HEARTBEAT -> sequence = Math.max(sequence, m.getHeartbeat().getLatestSequence());
            default -> { }
        }
    }

    private void lost(String why) {
        streaming = false;
        watching = false;
        if (closed) {
            return;
        }
        long delay = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(failures, 10));
        failures = failures + 1;
        Instant retryAt = Instant.now().plusMillis(delay);
        String label = label();
        ui.post(m -> m.disconnected(label, why, retryAt));
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** After a configuration change: processes with no event yet (autostart false) come from a listing. */
    private void fetchAdded() {
        String label = label();
        async(CALL_DEADLINE).listProcesses(ListProcessesRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(ListProcessesResponse r) {
                ui.post(m -> m.added(label, r.getProcessesList()));
            }

            @Override
            public void onError(Throwable t) {
                // The stream reports a lost connection; a missing new row is shown on the next change.
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** CPU and RSS: the daemon samples them per process; state never comes from here. */
    private void pollUsage() {
        if (!streaming || closed) {
            return;
        }
        if (!usageSeen && ++pollsSkipped < USAGE_IDLE_EVERY) {
            return;
        }
        pollsSkipped = 0;
        String label = label();
        async(USAGE_EVERY).listProcesses(ListProcessesRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(ListProcessesResponse r) {
                usageSeen = r.getProcessesList().stream().anyMatch(p -> p.hasUsage());
                ui.post(m -> m.usage(label, r.getProcessesList()));
            }

            @Override
            public void onError(Throwable t) {
                // Missing one sample is harmless; the stream reports a lost connection.
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** Stops reconnecting and cancels the stream. The channel is closed by its owner. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> poll = usagePoll;
        if (poll != null) {
            poll.cancel(false);
        }
        ScheduledFuture<?> dog = watchdog;
        if (dog != null) {
            dog.cancel(false);
        }
        ClientCallStreamObserver<WatchEventsRequest> w = watch;
        if (w != null) {
            w.cancel("taskmaster-tui is closing", null);
        }
    }
}
