package dev.taskmaster.server.recovery;

import dev.taskmaster.server.os.ProcFds;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What one of a process's standard streams was when the state file was written: a pipe (by its
 * inode, as {@code /proc/PID/fd} shows {@code pipe:[N]}), a terminal (by its number, the N of
 * {@code /dev/pts/N}, which is also the master's TIOCGPTN), something else (a file,
 * {@code /dev/null}), or nothing known. Immutable.
 *
 * @param kind what it is
 * @param id   the pipe's inode or the terminal's number; 0 for the other kinds
 */
public record StreamIdentity(Kind kind, long id) {

    /** What a standard stream can be, for recovery. */
    public enum Kind { NONE, PIPE, PTY, OTHER }

    public static final StreamIdentity NONE = new StreamIdentity(Kind.NONE, 0);
    public static final StreamIdentity OTHER = new StreamIdentity(Kind.OTHER, 0);

    public StreamIdentity {
        if (id < 0 || (kind == Kind.NONE || kind == Kind.OTHER) && id != 0) {
            throw new IllegalArgumentException("stream identity " + kind + " with id " + id);
        }
    }

    /** The identity of what a {@code /proc/PID/fd/N} link names; NONE when there is no link. */
    public static StreamIdentity of(Optional<String> link) {
        if (link.isEmpty()) {
            return NONE;
        }
        OptionalLong pipe = ProcFds.pipeInode(link.get());
        if (pipe.isPresent()) {
            return new StreamIdentity(Kind.PIPE, pipe.getAsLong());
        }
        OptionalInt pty = ProcFds.ptyNumber(link.get());
        return pty.isPresent() ? new StreamIdentity(Kind.PTY, pty.getAsInt()) : OTHER;
    }

    /** As written in the state file: {@code pipe:123}, {@code pty:4}, {@code other}, {@code none}. */
    @Override
    public String toString() {
        return switch (kind) {
            case PIPE -> "pipe:" + id;
            case PTY -> "pty:" + id;
            case OTHER -> "other";
            case NONE -> "none";
        };
    }

    /** The inverse of {@link #toString()}; empty when {@code text} is none of those forms. */
    static Optional<StreamIdentity> parse(String text) {
        switch (text) {
            case "none" -> {
                return Optional.of(NONE);
            }
            case "other" -> {
                return Optional.of(OTHER);
            }
            default -> { }
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String kind = text.substring(0, colon);
        long id;
        try {
            id = Long.parseLong(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (id < 0) {
            return Optional.empty();
        }
        return switch (kind) {
            case "pipe" -> Optional.of(new StreamIdentity(Kind.PIPE, id));
            case "pty" -> Optional.of(new StreamIdentity(Kind.PTY, id));
            default -> Optional.empty();
        };
    }
}
