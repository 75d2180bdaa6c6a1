package dev.taskmaster.server.engine.deps;

import dev.taskmaster.config.Dependency;
import dev.taskmaster.config.DependencyCondition;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.util.List;
import java.util.Optional;

/**
 * When a condition of {@code depends_on} is met, and how an unmet one is said. A condition is
 * over every instance of the program depended on (numprocs): one instance that does not meet it
 * is enough to wait. Pure functions.
 */
public final class Conditions {

    private Conditions() {
    }

    /** Whether every one of {@code instances} meets {@code condition}; false when there are none. */
    public static boolean met(DependencyCondition condition, List<Observed> instances) {
        return !instances.isEmpty() && instances.stream().allMatch(i -> met(condition, i));
    }

    static boolean met(DependencyCondition condition, Observed i) {
        ProcessState s = i.state();
        return switch (condition) {
            // EXITED: it did start (and ended since); a dependent of a one-shot waits for completion instead.
            case STARTED -> s == ProcessState.STARTING || s == ProcessState.RUNNING || s == ProcessState.PAUSED
                    || s == ProcessState.EXITED;
            case RUNNING -> s == ProcessState.RUNNING || s == ProcessState.PAUSED;
            case HEALTHY -> (s == ProcessState.STARTING || s == ProcessState.RUNNING)
                    && i.health().filter(h -> h == HealthStatus.HEALTHY).isPresent();
            case COMPLETED_SUCCESSFULLY -> s == ProcessState.EXITED && i.lastExit().map(e -> e.expected()).orElse(false);
        };
    }

    /**
     * How a dependent says it waits for {@code d}: {@code waiting for db to be healthy}, or, when
     * an instance of it is FATAL (nothing will start it again on its own),
     * {@code waiting for db: db is FATAL}.
     */
    public static String waiting(Dependency d, List<Observed> instances) {
        Optional<Observed> fatal = instances.stream().filter(i -> i.state() == ProcessState.FATAL).findFirst();
        if (fatal.isPresent()) {
            return "waiting for " + d.program() + ": " + fatal.get().instance() + " is FATAL";
        }
        return "waiting for " + d.program() + " " + switch (d.condition()) {
            case STARTED -> "to start";
            case RUNNING -> "to be running";
            case HEALTHY -> "to be healthy";
            case COMPLETED_SUCCESSFULLY -> "to complete successfully";
        };
    }
}
