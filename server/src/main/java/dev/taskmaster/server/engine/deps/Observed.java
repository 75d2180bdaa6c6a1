package dev.taskmaster.server.engine.deps;

import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.util.Optional;

/**
 * What a dependency condition looks at in one instance of a program depended on. Immutable.
 *
 * @param instance its name ({@code db:1})
 * @param state    its state
 * @param health   its health, empty when its program has no health check
 * @param lastExit how its last process ended, empty when none has
 */
public record Observed(String instance, ProcessState state, Optional<HealthStatus> health, Optional<ExitRecord> lastExit) {
}
