package dev.taskmaster.server.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The process's limit on open descriptors ({@code RLIMIT_NOFILE}): read, set, and raised at
 * start-up from the soft limit the daemon was given to the hard one, as systemd does for itself
 * and nginx does with {@code worker_rlimit_nofile}. A supervisor holds several descriptors for
 * every program it runs (pipes, a pidfd, log files); the customary soft limit of 1024 exists for
 * programs that still use {@code select()}, which a Java daemon never does.
 *
 * <p>The JVM raises the soft limit itself before {@code main} unless started with
 * {@code -XX:-MaxFDLimit} (which {@code bin/taskmasterd} passes), and then the limit the daemon
 * was given is lost: {@link #raiseOpenFiles} can only report what it found.
 *
 * <p>Threading: any thread. The limit is state of the whole process (and inherited by every child
 * spawned afterwards): change it once, at start-up.
 */
public final class ResourceLimits {

    /** A limit without bound ({@code RLIM_INFINITY}). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private ResourceLimits() {}

    /**
     * A soft limit (what the kernel enforces) and a hard limit (how far an unprivileged process
     * may raise the soft one), each {@link #UNLIMITED} or a count.
     */
    public record Limit(long soft, long hard) {
        public Limit {
            if (soft < 0 || hard < 0) {
                throw new IllegalArgumentException("limits are counts: soft " + soft + ", hard " + hard);
            }
        }

        /** E.g. {@code 1024 (hard 524288)}, or {@code 4096} when both are the same. */
        public String describe() {
            return soft == hard ? text(soft) : text(soft) + " (hard " + text(hard) + ")";
        }

        private static String text(long n) {
            return n == UNLIMITED ? "unlimited" : Long.toString(n);
        }
    }

    /** What {@link #raiseOpenFiles} found and left: {@code before.soft() < after.soft()} when it raised it. */
    public record Raise(Limit before, Limit after) {
        public boolean raised() {
            return after.soft() > before.soft();
        }
    }

    /** The limit on open descriptors now. */
    public static Limit openFiles() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rlimit = arena.allocate(Layouts.RLIMIT);
            LibC.check("getrlimit(RLIMIT_NOFILE)", LibC.getrlimit(LibC.RLIMIT_NOFILE, rlimit));
            return new Limit(fromNative(rlimit.get(ValueLayout.JAVA_LONG, Layouts.RLIM_CUR)),
                    fromNative(rlimit.get(ValueLayout.JAVA_LONG, Layouts.RLIM_MAX)));
        }
    }

    /**
     * Sets the limit on open descriptors. Raising the hard limit, or the soft one above it, needs
     * CAP_SYS_RESOURCE (EPERM, EINVAL otherwise); lowering either is always allowed.
     */
    public static void setOpenFiles(Limit limit) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rlimit = arena.allocate(Layouts.RLIMIT);
            rlimit.set(ValueLayout.JAVA_LONG, Layouts.RLIM_CUR, toNative(limit.soft()));
            rlimit.set(ValueLayout.JAVA_LONG, Layouts.RLIM_MAX, toNative(limit.hard()));
            LibC.check("setrlimit(RLIMIT_NOFILE)", LibC.setrlimit(LibC.RLIMIT_NOFILE, rlimit));
        }
    }

    /** Raises the soft limit on open descriptors to the hard one; reports both, before and after. */
    public static Raise raiseOpenFiles() throws NativeException {
        Limit before = openFiles();
        if (before.soft() >= before.hard()) {
            return new Raise(before, before);
        }
        Limit after = new Limit(before.hard(), before.hard());
        setOpenFiles(after);
        return new Raise(before, openFiles());
    }

    /** rlim_t is unsigned: only RLIM_INFINITY has the top bit set. */
    private static long fromNative(long value) {
        return value == LibC.RLIM_INFINITY || value < 0 ? UNLIMITED : value;
    }

    private static long toNative(long value) {
        return value == UNLIMITED ? LibC.RLIM_INFINITY : value;
    }
}
