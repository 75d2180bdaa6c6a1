package dev.taskmaster.server.api;

import com.google.protobuf.util.Durations;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.proto.v1.ProcessUsage;
import dev.taskmaster.proto.v1.UsageReport;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The {@code WatchEvents} RPC: checks the request against the contract, then runs one
 * {@link WatchSession} per stream, with its heartbeats and usage reports, and ends them all at
 * shutdown.
 *
 * <p>Threading: called on gRPC's threads; returns at once. One timer thread paces every
 * stream's heartbeats and usage reports (each tick only queues a message or asks the engine
 * for a snapshot); usage is read from /proc on virtual threads, never on the engine's.
 */
final class WatchRpcs {

    /** The shortest heartbeat and usage interval: shorter ones are raised to it, as the contract allows. */
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("watch-timer").daemon().unstarted(r));
    /** Where usage is sampled: it reads /proc/PID/stat of every running process. */
    private static final Executor SAMPLERS = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("watch-usage-", 0).factory());

    private final Engine engine;
    private final Supplier<DaemonInfo> info;
    private final Clock clock;
    private final String journalId;
    private final Set<WatchSession> watches = ConcurrentHashMap.newKeySet();
    /** Set by {@link #endStreams}: a stream that starts later ends at once with it. */
    private volatile Status ending;

    WatchRpcs(Engine engine, Supplier<DaemonInfo> info, Clock clock, String journalId) {
        this.engine = engine;
        this.info = info;
        this.clock = clock;
        this.journalId = journalId;
    }

    void watch(WatchEventsRequest r, StreamObserver<WatchEventsResponse> response) {
        Duration heartbeat;
        Duration usage;
        try {
            heartbeat = interval("heartbeat_interval", r.hasHeartbeatInterval(), r.getHeartbeatInterval());
            usage = interval("usage_interval", r.hasUsageInterval(), r.getUsageInterval());
            checkNotFuture(r.getFromSequence(), r.getJournalId());
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        }
        if (ending != null) {
            response.onError(ending.asRuntimeException());
            return;
        }
        WatchSession[] self = new WatchSession[1];
        WatchSession session = new WatchSession(engine, (ServerCallStreamObserver<WatchEventsResponse>) response, journalId,
                clock, info.get().paths().logdir(), () -> info.get().config().source().toString(), () -> watches.remove(self[0]));
        self[0] = session;
        watches.add(session);
        if (ending != null) {
            session.end(ending); // endStreams ran between the check above and the add
            return;
        }
        engine.config().whenComplete((config, error) -> {
            try {
                if (error != null) {
                    session.fail(error);
                    return;
                }
                WatchFilter filter = WatchFilter.of(r.getTargetsList(), config.instances(), this::instance);
                session.start(filter, r.getFromSequence(), r.getJournalId());
                if (!heartbeat.isZero()) {
                    session.heartbeats(TIMER, heartbeat);
                }
                if (!usage.isZero()) {
                    UsageSampler sampler = new UsageSampler(); // its own: CPU % over this stream's interval
                    session.usageReports(TIMER, usage, () -> engine.snapshot().thenApplyAsync(
                            all -> usage(all, filter, sampler), SAMPLERS));
                }
            } catch (StatusRuntimeException e) {
                session.fail(e);
            }
        });
    }

    /**
     * "Absent or zero = no" reports; "the daemon may raise it to a minimum of 1 second"; a
     * negative or malformed duration is refused.
     */
    static Duration interval(String field, boolean set, com.google.protobuf.Duration d) {
        if (!set) {
            return Duration.ZERO;
        }
        if (!Durations.isValid(d)) {
            throw Status.INVALID_ARGUMENT.withDescription(field + " is not a valid duration (seconds " + d.getSeconds()
                    + ", nanos " + d.getNanos() + "): nanos must be within ±999999999 and have the sign of seconds")
                    .asRuntimeException();
        }
        Duration asked = Protos.duration(d);
        if (asked.isNegative()) {
            throw Status.INVALID_ARGUMENT.withDescription(field + " must not be negative, was " + Durations.toString(d)
                    + "; leave it unset or zero for none").asRuntimeException();
        }
        if (asked.isZero()) {
            return Duration.ZERO;
        }
        return asked.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : asked;
    }

    /**
     * "INVALID_ARGUMENT (from_sequence in the future of the given journal_id)": the next sequence
     * (latest + 1) is where a watcher that has seen everything resumes; anything beyond has not
     * happened. On the wire it is a uint64: 2^63 and more are read unsigned. A sequence of
     * another journal (the daemon restarted) is not judged here: the stream says it missed events.
     */
    private void checkNotFuture(long from, String clientJournal) {
        if (!clientJournal.isEmpty() && !clientJournal.equals(journalId)) {
            return;
        }
        long latest = engine.journal().lastSequence();
        if (Long.compareUnsigned(from, latest + 1) > 0) {
            throw Status.INVALID_ARGUMENT.withDescription("from_sequence " + Long.toUnsignedString(from)
                    + " is in the future: the latest event of journal " + journalId + " is " + latest
                    + "; resume from the last sequence seen + 1 (at most " + (latest + 1) + "), or from 0 for a snapshot")
                    .asRuntimeException();
        }
    }

    private Optional<InstanceSpec> instance(String name) {
        return info.get().config().instances().stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** One entry per running process the stream watches. Off the engine thread: reads /proc. */
    private WatchEventsResponse usage(List<ProcessSnapshot> all, WatchFilter filter, UsageSampler sampler) {
        Instant now = clock.instant();
        UsageReport.Builder report = UsageReport.newBuilder();
        for (ProcessSnapshot p : all) {
            if (p.pid() > 0 && filter.matches(p.spec())) {
                sampler.sample(p.pid(), p.startTime().orElse(now), now).ifPresent(u -> report.addProcesses(
                        ProcessUsage.newBuilder().setFullName(p.name()).setUsage(u)));
            }
        }
        sampler.retain(all.stream().map(ProcessSnapshot::pid).collect(java.util.stream.Collectors.toSet()));
        return WatchEventsResponse.newBuilder().setUsageReport(report).build();
    }

    /**
     * Ends every stream with {@code status} after what is queued for it, and any that starts from
     * now on at once. Any thread; returns at once.
     */
    void endStreams(Status status) {
        ending = status;
        watches.forEach(w -> w.end(status));
    }

    /** The open streams (for tests). */
    Set<WatchSession> sessions() {
        return Set.copyOf(watches);
    }
}
