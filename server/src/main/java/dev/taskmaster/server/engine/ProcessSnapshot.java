package dev.taskmaster.server.engine;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.server.engine.health.HealthSnapshot;
import java.time.Instant;
import java.util.Optional;

/**
 * What one process looks like at one moment. Immutable; safe to hand to any thread.
 *
 * @param spec         the instance's configuration
 * @param state        its state
 * @param stateSince   when it entered that state
 * @param pid          the running process, 0 when there is none
 * @param startTime    when the current (or last) process was spawned
 * @param restartCount how often the engine started it again on its own
 * @param startFailures failed attempts in the current start sequence
 * @param lastExit     how the previous process ended
 * @param spawnError   why the last spawn failed, empty when it did not
 * @param nextStart    when a BACKOFF retry is due
 * @param leftovers    processes its ended processes left running (killmode process), as last counted
 * @param adopted      the current (or last) process was adopted by pid, not spawned: its output is not captured
 * @param health       its health, beside its state; empty when the program has no health check
 * @param gaveUp       why the restart rules gave up on it, while FATAL ({@code gave up after 5 restarts in a row (max_restarts 5)})
 * @param waitingFor   while SCHEDULED, what the start waits for, in words ({@code start_delay 30s},
 *                     {@code cron "*&#47;5 * * * *"}, {@code waiting for db to be healthy}); {@link #nextStart} has the time when one is known
 * @param dependencies each {@code depends_on} entry of its program and whether it is met now; empty when it has none
 * @param launching    a start of it is in flight: handed off to the launcher, its result not applied yet
 *                     (the state is still the one before the start; STARTING, or BACKOFF on a spawn failure, follows)
 */
public record ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
        Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
        Optional<String> spawnError, Optional<Instant> nextStart, int leftovers, boolean adopted,
        Optional<HealthSnapshot> health, Optional<String> gaveUp, Optional<String> waitingFor,
        java.util.List<dev.taskmaster.server.engine.deps.DependencyState> dependencies, boolean launching) {

    public ProcessSnapshot {
        dependencies = java.util.List.copyOf(dependencies);
    }

    /** A process whose start is not in flight. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart, int leftovers, boolean adopted,
            Optional<HealthSnapshot> health, Optional<String> gaveUp, Optional<String> waitingFor,
            java.util.List<dev.taskmaster.server.engine.deps.DependencyState> dependencies) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, leftovers,
                adopted, health, gaveUp, waitingFor, dependencies, false);
    }

    /** A process of a program without dependencies. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart, int leftovers, boolean adopted,
            Optional<HealthSnapshot> health, Optional<String> gaveUp, Optional<String> waitingFor) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, leftovers,
                adopted, health, gaveUp, waitingFor, java.util.List.of());
    }

    /** A process that is not SCHEDULED. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart, int leftovers, boolean adopted,
            Optional<HealthSnapshot> health, Optional<String> gaveUp) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, leftovers,
                adopted, health, gaveUp, Optional.empty());
    }

    /** A process of a program without a health check. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart, int leftovers, boolean adopted) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, leftovers,
                adopted, Optional.empty(), Optional.empty());
    }

    /** A spawned process. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart, int leftovers) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, leftovers,
                false);
    }

    /** A process with no leftovers counted. */
    public ProcessSnapshot(InstanceSpec spec, ProcessState state, Instant stateSince, int pid,
            Optional<Instant> startTime, int restartCount, int startFailures, Optional<ExitRecord> lastExit,
            Optional<String> spawnError, Optional<Instant> nextStart) {
        this(spec, state, stateSince, pid, startTime, restartCount, startFailures, lastExit, spawnError, nextStart, 0);
    }

    public String name() {
        return spec.name();
    }
}
