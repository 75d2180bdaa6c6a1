package dev.taskmaster.config;

import java.util.Objects;

/**
 * One entry of a program's {@code depends_on}: the program it waits for, and what it waits for.
 * Immutable.
 *
 * @param program   the name of the program depended on
 * @param condition what every instance of {@code program} must be before the dependent starts
 */
public record Dependency(String program, DependencyCondition condition) {

    public Dependency {
        Objects.requireNonNull(program);
        Objects.requireNonNull(condition);
    }

    /** {@code db: healthy}, as in a config file. */
    @Override
    public String toString() {
        return program + ": " + condition.configValue();
    }
}
