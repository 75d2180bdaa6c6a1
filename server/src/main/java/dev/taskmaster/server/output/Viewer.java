package dev.taskmaster.server.output;

/**
 * Someone following an instance's output (an attach session). The output side only tells it
 * that there is something new; the viewer pulls bytes from the ring at its own pace, so no
 * viewer can slow the process, the log or another viewer, and none holds more than its
 * cursor.
 *
 * <p>Threading: {@link #wake} is called on the output pump thread for every batch of output
 * and must return at once (set a flag, schedule work elsewhere); {@link #runBegins} likewise on
 * the engine thread. A viewer whose client cannot take more must not even schedule work: it
 * returns after one read of a flag and looks at the ring again only when its client reads, or
 * the viewers nobody reads would tax every batch the program writes.
 */
public interface Viewer {
    void wake();

    /**
     * A process is about to be spawned; its output will start at {@code start} (indexed by
     * {@link OffsetSpace#ordinal()}). Called on the launching thread (the engine's, or a spawner
     * thread when programs start together; never two for one instance at once), before anything
     * of the new process can be read, so a viewer can hold the new output back until it has
     * said that the process started.
     */
    default void runBegins(long[] start) {
    }

    /**
     * The spawn announced by {@link #runBegins} with these offsets failed: no output and no
     * notice will come for it. Called on the launching thread, as {@link #runBegins}.
     */
    default void runAbandoned(long[] start) {
    }
}
