package dev.taskmaster.server.engine.deps;

import dev.taskmaster.config.DependencyCondition;

/**
 * One dependency of a program and whether it is met now (the contract's DependencyStatus). Immutable.
 *
 * @param program   the program depended on
 * @param condition what is waited for of each of its instances
 * @param satisfied every instance of {@code program} meets {@code condition} now
 */
public record DependencyState(String program, DependencyCondition condition, boolean satisfied) {
}
