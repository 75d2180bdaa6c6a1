package dev.taskmaster.server.engine.health;

import dev.taskmaster.config.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The health status of one process as a pure state machine: starts, probe results and ends come
 * in with the time they happened, status changes come out. No clock and no threads of its own:
 * {@link HealthMonitor} feeds it on the engine thread, tests feed it directly. Not thread-safe.
 */
final class HealthTracker {

    /** A change of status, and why, in one line. */
    record Change(HealthStatus from, HealthStatus to, String reason) {
    }

    private HealthStatus status = HealthStatus.INACTIVE;
    private Instant since;
    private Instant lastProbe;
    private String lastOutput = "";
    private int failures;
    private long startedNanos;
    /** A success ends the start period early, as Docker's does: from then on every failure counts. */
    private boolean succeededSinceStart;

    HealthTracker(Instant now) {
        this.since = now;
    }

    Optional<Change> started(Instant now, long nanos) {
        startedNanos = nanos;
        failures = 0;
        succeededSinceStart = false;
        return to(HealthStatus.STARTING, now, "process started");
    }

    Optional<Change> ended(Instant now) {
        return to(HealthStatus.INACTIVE, now, "process not running");
    }

    /** One probe's result, {@code nanos} the monotonic time it came in. */
    Optional<Change> record(HealthCheck check, ProbeResult result, Instant now, long nanos) {
        if (status == HealthStatus.INACTIVE) {
            return Optional.empty();
        }
        lastProbe = now;
        lastOutput = result.output();
        if (result.healthy()) {
            failures = 0;
            succeededSinceStart = true;
            return to(HealthStatus.HEALTHY, now, "probe succeeded" + said(result));
        }
        boolean inStartPeriod = !succeededSinceStart
                && Duration.ofNanos(nanos - startedNanos).compareTo(check.startPeriod()) < 0;
        if (inStartPeriod) {
            return Optional.empty(); // failures in the start period do not count
        }
        failures++;
        if (failures >= check.retries() && status != HealthStatus.UNHEALTHY) {
            return to(HealthStatus.UNHEALTHY, now, failures + (failures == 1 ? " probe" : " probes in a row")
                    + " failed" + said(result));
        }
        return Optional.empty();
    }

    HealthSnapshot snapshot() {
        return new HealthSnapshot(status, since, Optional.ofNullable(lastProbe), lastOutput, failures);
    }

    HealthStatus status() {
        return status;
    }

    private static String said(ProbeResult r) {
        String line = r.output().strip();
        int nl = line.indexOf('\n');
        line = nl >= 0 ? line.substring(0, nl) : line;
        return line.isEmpty() ? "" : ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    private Optional<Change> to(HealthStatus next, Instant now, String reason) {
        if (next == status) {
            return Optional.empty();
        }
        Change c = new Change(status, next, reason);
        status = next;
        since = now;
        return Optional.of(c);
    }
}
