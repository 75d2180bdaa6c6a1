package dev.taskmaster.server.output;

/**
 * Someone following an instance's output (an attach session). The output side only tells it
 * that there is something new; the viewer pulls bytes from the ring at its own pace, so no
 * viewer can slow the process, the log or another viewer, and none holds more than its
 * cursor.
 *
 * <p>Threading: {@link #wake} is called on the output pump thread for every batch of output
 * and must return at once (set a flag, schedule work elsewhere).
 */
public interface Viewer {
    void wake();
}
