package dev.taskmaster.server.spawn;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.OpenDescriptors;
import dev.taskmaster.server.os.ResourceLimits;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps descriptors for the daemon's own needs. Programs take several descriptors each (pipes, a
 * pidfd, log files); if they could take the last ones, the daemon would fail wherever it next
 * needed one: accepting a client, rotating a log, reading the configuration on reload. So a
 * spawn that would leave fewer than {@link #RESERVE} descriptors free is refused, with a reason
 * that names the limit; the program goes to BACKOFF and, if none come back before its retries
 * run out, FATAL, as after any failed spawn.
 *
 * <p>The limit is read at each check, so raising it on a running daemon ({@code prlimit --pid})
 * lets the next start succeed.
 *
 * <p>Threading: any thread; checks are serialised, and each spawn under way holds a claim on
 * what it needs until it is over.
 */
public final class DescriptorBudget {

    /**
     * Descriptors kept for the daemon: the API's event loops and a few dozen clients at once, log
     * rotation and reopening, a configuration reload with its includes.
     */
    public static final int RESERVE = 64;
    /**
     * A count reads /proc (some 0.1 ms, more with thousands of descriptors open), under the lock
     * every spawner thread takes: too much for each of a thousand spawns in a row. A count is used
     * again for up to this long while the limit is far off, ...
     */
    static final long RECOUNT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** ... farther than this many descriptors, which others (clients, log files) may open meanwhile. */
    static final int SLACK = 256;
    static final String ADVICE = "raise LimitNOFILE / ulimit -n";

    /** Where the numbers come from: the process itself, or a test's. */
    interface Probe {
        /** The soft limit on open descriptors now. */
        long limit() throws NativeException;

        /** The descriptors open now, counted. */
        int count() throws IOException;
    }

    private static final Probe PROCESS = new Probe() {
        @Override
        public long limit() throws NativeException {
            return ResourceLimits.openFiles().soft();
        }

        @Override
        public int count() throws IOException {
            return OpenDescriptors.count();
        }
    };

    private final int reserve;
    private final Probe probe;
    private final LongSupplier nanoTime;
    // Guarded by this.
    /** Descriptors claimed by spawns under way, not all open yet. */
    private int inFlight;
    /** The descriptors open at the last count, -1 before the first; when it was; what was claimed since. */
    private int counted = -1;
    private long countedAt;
    private int claimedSince;

    DescriptorBudget(int reserve, Probe probe, LongSupplier nanoTime) {
        this.reserve = reserve;
        this.probe = probe;
        this.nanoTime = nanoTime;
    }

    DescriptorBudget(int reserve, Probe probe) {
        this(reserve, probe, System::nanoTime);
    }

    /** This process's descriptors, keeping {@link #RESERVE}. */
    public static DescriptorBudget ofProcess() {
        return new DescriptorBudget(RESERVE, PROCESS);
    }

    /**
     * Descriptors the daemon holds for one running instance of {@code p}: the pidfd and the write
     * end of stdin, or the terminal's master and its duplicate for input; for each captured
     * stream a pipe's read end and a log file (a terminal has one stream).
     */
    public static int held(ProgramSpec p) {
        boolean stdout = p.stdout() instanceof OutputSpec.Capture;
        if (p.tty()) {
            return 3 + (stdout ? 1 : 0);
        }
        boolean stderr = !p.redirectStderr() && p.stderr() instanceof OutputSpec.Capture;
        return 2 + (stdout ? 2 : 0) + (stderr ? 2 : 0);
    }

    /** {@link #held} plus what is open only while it is spawned: the child's pipe ends and a lookup or two. */
    static int needed(ProgramSpec p) {
        boolean stdout = p.stdout() instanceof OutputSpec.Capture;
        boolean stderr = !p.redirectStderr() && p.stderr() instanceof OutputSpec.Capture;
        int childEnds = p.tty() ? 0 : 1 + (stdout ? 1 : 0) + (stderr ? 1 : 0);
        return held(p) + childEnds + 2;
    }

    /**
     * Refuses a spawn of {@code p} that would leave fewer than the reserve free; else claims what
     * it needs until the returned claim is closed, once the spawn is over (its descriptors are
     * then open, and counted). Claims of spawns in flight count as in use, so that spawner threads
     * checking at the same moment cannot each take the last free descriptors.
     */
    Claim claim(ProgramSpec p) throws SpawnException {
        int needed = needed(p);
        synchronized (this) {
            try {
                long limit = probe.limit();
                long now = nanoTime.getAsLong();
                boolean recent = counted >= 0 && now - countedAt < RECOUNT_NANOS;
                if (!recent || (long) counted + claimedSince + needed + reserve + SLACK > limit) {
                    counted = probe.count();
                    countedAt = now;
                    claimedSince = 0;
                    int inUse = counted + inFlight;
                    if (inUse + needed + reserve > limit) {
                        throw new SpawnException("too many open files: " + inUse + " of " + limit + " in use, " + needed
                                + " needed, " + reserve + " kept for the daemon; " + ADVICE);
                    }
                }
            } catch (IOException e) {
                // Reading /proc takes a descriptor too: failing for want of one is the answer.
                throw new SpawnException(shortage(e).orElse("cannot count the open descriptors: " + e.getMessage()));
            }
            inFlight += needed;
            claimedSince += needed;
        }
        return () -> release(needed);
    }

    private synchronized void release(int claimed) {
        inFlight -= claimed;
    }

    /** What a spawn claimed; closing it gives it back. */
    interface Claim extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * The reason of a spawn that failed for want of descriptors (EMFILE, ENFILE, in a native call
     * or an {@link IOException} of the JDK), else empty.
     */
    Optional<String> shortage(IOException e) {
        int errno = e instanceof NativeException n ? n.errno() : errnoIn(e.getMessage());
        String call = e instanceof NativeException n ? n.call() + ": " + n.errnoName() : e.getMessage();
        if (errno == Errno.EMFILE) {
            return Optional.of("too many open files (" + call + "): " + inUse() + " of " + limit() + " in use, "
                    + reserve + " kept for the daemon; " + ADVICE);
        }
        if (errno == Errno.ENFILE) {
            return Optional.of("the system's open-file table is full (" + call + "); raise fs.file-max (sysctl)");
        }
        return Optional.empty();
    }

    /** How many are in use, if they can still be counted: counting takes a descriptor too. */
    private String inUse() {
        try {
            return Integer.toString(probe.count());
        } catch (IOException | RuntimeException e) {
            return "all";
        }
    }

    private String limit() {
        try {
            return Long.toString(probe.limit());
        } catch (IOException | RuntimeException e) {
            return "the limit";
        }
    }

    /** The JDK's exceptions carry only strerror's text; ours carry the name too. */
    private static int errnoIn(String message) {
        if (message == null) {
            return 0;
        }
        if (message.contains("ENFILE") || message.contains("Too many open files in system")) {
            return Errno.ENFILE;
        }
        if (message.contains("EMFILE") || message.contains("Too many open files")) {
            return Errno.EMFILE;
        }
        return 0;
    }

    /**
     * At start-up, before the API: the reason the daemon cannot even keep its reserve, if so. With
     * fewer free, no program could ever be started, and the API itself might not start.
     */
    public Optional<String> shortfall() {
        try {
            long limit = probe.limit();
            int inUse = probe.count();
            if (inUse + reserve > limit) {
                return Optional.of("too many open files: " + inUse + " of " + limit + " in use before the API started, "
                        + reserve + " kept for the daemon; " + ADVICE);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("too many open files: cannot count the descriptors in use (" + e.getMessage() + "); "
                    + ADVICE);
        }
    }

    /**
     * At start-up (and whenever the programs change): a warning when the configured processes,
     * all running at once, would not fit in the limit beside what is open now and the reserve.
     */
    public Optional<String> misfit(List<InstanceSpec> instances) {
        long held = instances.stream().mapToLong(i -> held(i.program())).sum();
        try {
            long limit = probe.limit();
            int inUse = probe.count();
            long wanted = inUse + held + reserve;
            if (wanted <= limit) {
                return Optional.empty();
            }
            return Optional.of("the open-files limit " + limit + " is too low for the configuration: its "
                    + instances.size() + (instances.size() == 1 ? " process holds" : " processes hold") + " about " + held
                    + " descriptors, " + inUse + " are in use and " + reserve + " are kept for the daemon; processes that"
                    + " do not fit will be FATAL (\"too many open files\"); " + ADVICE + " to at least " + wanted);
        } catch (IOException e) {
            return Optional.of("cannot tell whether the configuration fits in the open-files limit: " + e.getMessage());
        }
    }
}
