package dev.taskmaster.server.daemon;

import java.util.HashMap;
import java.util.Map;

/**
 * The environment the daemon's programs and health-check commands start from: the daemon's own,
 * less what only the daemon's JVM is meant to see.
 *
 * <p>{@code _JAVA_SR_SIGNUM}: the launcher (bin/lib/launch) moves the JVM's thread
 * suspend/resume signal off SIGUSR2, which the daemon takes for reopening log files as
 * supervisord does. Left on SIGUSR2, every suspension (JFR's method sampling, a profiler) was
 * taken for a reopen request and the suspension never happened. A Java program that wants the
 * variable sets it in its own {@code env}. Stateless; any thread.
 */
final class InheritedEnvironment {

    static final String SUSPEND_SIGNAL = "_JAVA_SR_SIGNUM";

    private InheritedEnvironment() {
    }

    static Map<String, String> of(Map<String, String> daemon) {
        if (!daemon.containsKey(SUSPEND_SIGNAL)) {
            return daemon;
        }
        Map<String, String> copy = new HashMap<>(daemon);
        copy.remove(SUSPEND_SIGNAL);
        return Map.copyOf(copy);
    }
}
