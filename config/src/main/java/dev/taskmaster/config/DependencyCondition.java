package dev.taskmaster.config;

import java.util.Locale;
import java.util.Optional;

/**
 * What a program waits for of each program it depends on ({@code depends_on}), before it starts.
 * The names are docker compose's, without its {@code service_} prefix (which is accepted too).
 */
public enum DependencyCondition {
    /** Every instance has been spawned: STARTING, RUNNING, PAUSED, or EXITED after a run. */
    STARTED,
    /** Every instance is RUNNING (it stayed up for its starttime), or PAUSED. */
    RUNNING,
    /** Every instance runs and its health check says HEALTHY; needs a health check. */
    HEALTHY,
    /** Every instance ran to completion: EXITED with one of its exitcodes (a one-shot such as a migration). */
    COMPLETED_SUCCESSFULLY;

    /** The words of the config file. */
    static final String EXPECTED = "started, running, healthy or completed_successfully";

    /** As written in a config file: {@code completed_successfully}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code healthy}, {@code service_healthy} (compose's spelling), any case; empty for anything else. */
    static Optional<DependencyCondition> parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("service_")) {
            t = t.substring("service_".length());
        }
        for (DependencyCondition c : values()) {
            if (c.configValue().equals(t)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
