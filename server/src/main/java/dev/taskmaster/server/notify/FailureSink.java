package dev.taskmaster.server.notify;

/**
 * Where lost notifications are reported: the daemon journals them as
 * {@link dev.taskmaster.server.engine.EngineEvent.NotificationFailed} (on its engine thread).
 * Called from delivery threads; must not block.
 */
@FunctionalInterface
public interface FailureSink {

    FailureSink NONE = (rule, target, reason, lost) -> { };

    void lost(String rule, String target, String reason, long messages);
}
