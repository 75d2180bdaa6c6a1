package dev.taskmaster.server.engine.health;

import java.time.Instant;
import java.util.Optional;

/**
 * The health of one process at one moment. Immutable; safe to hand to any thread.
 *
 * @param status              its status
 * @param since               when it took that status
 * @param lastProbe           when the last probe finished; empty before the first
 * @param lastOutput          what the last probe said (a command's output, an HTTP status line, an error), at most a few KiB
 * @param consecutiveFailures failed probes in a row; 0 after a success
 */
public record HealthSnapshot(HealthStatus status, Instant since, Optional<Instant> lastProbe, String lastOutput,
        int consecutiveFailures) {
}
