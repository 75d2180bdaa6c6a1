package dev.taskmaster.server.engine.health;

import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The health of one process: probes it every {@code interval} while it runs, through a
 * {@link Prober} (off the engine thread), and reports each change of status to its
 * {@link Listener}. A probe's result comes back to the engine thread as a task, like a process's
 * exit; the prober ends a probe at {@code timeout}, and one that has not answered even
 * {@link #GRACE} later has failed, whether or not its thread ever answers. Confined to the engine thread, as the supervisor that holds it.
 */
public final class HealthMonitor {

    /** Told of every change of status, on the engine thread. */
    @FunctionalInterface
    public interface Listener {
        void healthChanged(HealthStatus from, HealthStatus to, String reason);
    }

    /** How long after its timeout a probe's answer is no longer waited for. */
    static final Duration GRACE = Duration.ofSeconds(1);

    private final EngineScheduler scheduler;
    private final EngineClock clock;
    private final Prober prober;
    private final Listener listener;
    private final HealthTracker tracker;
    private InstanceSpec instance;
    /** The process being probed; null when none is. */
    private ProbeTarget target;
    /** The running process and its start, kept for a check added while it runs; 0 when none runs. */
    private int pid;
    private Instant startedAt;
    private boolean paused;
    /** Being stopped: a process on its way out is not probed any more. */
    private boolean stopping;
    /** Tells the results and timers of the current probe from those of earlier ones. */
    private long probeId;
    /** When the probe scheduled last is due ({@link EngineClock#nanoTime}), for {@link ProbeLateness}. */
    private long dueNanos;
    private EngineScheduler.Cancellable timer;

    public HealthMonitor(EngineScheduler scheduler, EngineClock clock, Prober prober, InstanceSpec instance,
            Listener listener) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.prober = prober;
        this.instance = instance;
        this.listener = listener;
        this.tracker = new HealthTracker(clock.now());
    }

    /** The health of a program with a health check; empty without one. */
    public Optional<HealthSnapshot> snapshot() {
        return check().isPresent() || tracker.status() != HealthStatus.INACTIVE ? Optional.of(tracker.snapshot())
                : Optional.empty();
    }

    /** New settings: the next probe follows them; a check added to a running process starts probing it. */
    public void update(InstanceSpec next) {
        this.instance = next;
        if (target != null && check().isEmpty()) {
            stopProbing();
            tracker.ended(clock.now()).ifPresent(this::tell);
        } else if (target == null && pid != 0 && !stopping && check().isPresent()) {
            begin(check().get());
        }
    }

    /** Process {@code pid} started (spawned or adopted): probing begins, one interval from now. */
    public void started(int pid, Instant startedAt) {
        stopProbing();
        this.pid = pid;
        this.startedAt = startedAt;
        paused = false;
        stopping = false;
        check().ifPresent(this::begin);
    }

    private void begin(HealthCheck check) {
        target = new ProbeTarget(instance, check.probe(), pid, startedAt);
        tracker.started(clock.now(), clock.nanoTime()).ifPresent(this::tell);
        scheduleNext(check);
    }

    /** The process ended: no more probes, and a probe still running no longer counts. */
    public void ended() {
        stopProbing();
        pid = 0;
        tracker.ended(clock.now()).ifPresent(this::tell);
    }

    /** The process is being stopped: no more probes; its status stays until it has ended. */
    public void stopping() {
        stopProbing();
        stopping = true;
    }

    /** The process was stopped with SIGSTOP: it cannot answer, so it is not probed until {@link #resumed}. */
    public void paused() {
        paused = true;
    }

    public void resumed() {
        paused = false;
    }

    private Optional<HealthCheck> check() {
        return instance.program().healthCheck();
    }

    private void stopProbing() {
        probeId++;
        target = null;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void scheduleNext(HealthCheck check) {
        long id = ++probeId;
        dueNanos = clock.nanoTime() + check.interval().toNanos();
        timer = scheduler.schedule(check.interval(), () -> probeDue(id));
    }

    private void probeDue(long id) {
        if (id != probeId || target == null) {
            return;
        }
        ProbeLateness.timer(dueNanos, clock.nanoTime());
        timer = null;
        HealthCheck check = check().orElse(null);
        if (check == null) {
            return;
        }
        if (paused) {
            scheduleNext(check);
            return;
        }
        // The probe may be for settings updated since the start: it follows the current ones.
        ProbeTarget now = new ProbeTarget(instance, check.probe(), target.pid(), target.startedAt());
        long probing = ++probeId;
        Duration timeout = check.timeout();
        // The prober ends a probe at timeout and says what it saw; this is for a prober that cannot even do that.
        timer = scheduler.schedule(timeout.plus(GRACE), () -> answered(probing,
                ProbeResult.failed("did not answer within " + seconds(timeout))));
        prober.probe(now, timeout).whenComplete((result, error) -> scheduler.execute(() -> answered(probing,
                result != null ? result : ProbeResult.failed("probe failed: " + error))));
    }

    /** The first answer for probe {@code id} counts (its result, or its timeout); the other is ignored. */
    private void answered(long id, ProbeResult result) {
        if (id != probeId || target == null) {
            return;
        }
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        HealthCheck check = check().orElse(null);
        if (check == null) {
            return;
        }
        // Scheduled before the listener hears of a change: it may restart the process, which stops probing.
        scheduleNext(check);
        tracker.record(check, result, clock.now(), clock.nanoTime()).ifPresent(this::tell);
    }

    private void tell(HealthTracker.Change c) {
        listener.healthChanged(c.from(), c.to(), c.reason());
    }

    private static String seconds(Duration d) {
        return dev.taskmaster.server.engine.lifecycle.RestartRules.seconds(d);
    }
}
