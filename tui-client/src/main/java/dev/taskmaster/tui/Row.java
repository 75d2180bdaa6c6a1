package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ResourceUsage;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * What the screen knows about one process: the daemon's latest description of it, its latest
 * usage sample, the exits seen since this client connected, and whether all of it is only the
 * last known state of a daemon that is not connected now. Owned by the UI thread.
 */
final class Row {

    /** Exits remembered per process for the details view. */
    static final int EXITS_KEPT = 10;

    final ProcKey key;
    private ProcessInfo info;
    private ResourceUsage usage;
    private final Deque<ExitInfo> exits = new ArrayDeque<>();
    private boolean stale;
    /** The last word on its log writing, from the events: stopped (and why), or resumed (and what was lost); null if none. */
    private String logWriting;

    Row(ProcKey key, ProcessInfo info) {
        this.key = key;
        update(info);
    }

    void update(ProcessInfo next) {
        this.info = next;
        if (next.hasUsage()) {
            usage = next.getUsage();
        } else if (!running(next.getState())) {
            usage = null;
        }
        if (next.hasLastExit() && !exits.contains(next.getLastExit())) {
            addExit(next.getLastExit());
        }
        stale = false;
    }

    void addExit(ExitInfo exit) {
        if (exits.contains(exit)) {
            return;
        }
        exits.addFirst(exit);
        while (exits.size() > EXITS_KEPT) {
            exits.removeLast();
        }
    }

    void usage(ResourceUsage sample) {
        this.usage = sample;
    }

    void markStale() {
        stale = true;
    }

    ProcessInfo info() {
        return info;
    }

    /** The latest usage sample, or null when none (not running, or the daemon does not sample). */
    ResourceUsage usage() {
        return usage;
    }

    void logWriting(String state) {
        this.logWriting = state;
    }

    /** What the events last said about its log file being written; null when they said nothing. */
    String logWriting() {
        return logWriting;
    }

    /** Newest first. */
    List<ExitInfo> exits() {
        return List.copyOf(exits);
    }

    /** True when the daemon of this row is disconnected: the row is its last known state, not the current one. */
    boolean stale() {
        return stale;
    }

    ProcessState state() {
        return info.getState();
    }

    String group() {
        return info.getGroup().isEmpty() ? info.getProgram() : info.getGroup();
    }

    /** Seconds the current process has been up at {@code now}, or -1 when it is not running (or stale). */
    long uptimeSeconds(Instant now) {
        if (stale || !running(info.getState()) || !info.hasStartTime()) {
            return -1;
        }
        return Math.max(0, now.getEpochSecond() - info.getStartTime().getSeconds());
    }

    /** States in which a process exists. */
    static boolean running(ProcessState s) {
        return switch (s) {
            case PROCESS_STATE_STARTING, PROCESS_STATE_RUNNING, PROCESS_STATE_STOPPING, PROCESS_STATE_PAUSED -> true;
            default -> false;
        };
    }

    /** A failure the user must see: FATAL, BACKOFF, UNKNOWN, or EXITED unexpectedly. */
    boolean failing() {
        return switch (info.getState()) {
            case PROCESS_STATE_FATAL, PROCESS_STATE_BACKOFF, PROCESS_STATE_UNKNOWN -> true;
            case PROCESS_STATE_EXITED -> !info.hasLastExit() || !info.getLastExit().getExpected();
            default -> false;
        };
    }
}
