package dev.taskmaster.server.api;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.ResourceUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU and memory of running processes, read from {@code /proc/PID/stat} when a client asks
 * (ListProcesses, GetProcess): nothing is sampled while nobody looks. CPU % is the CPU time
 * used between this look and the previous one at the same process (the TUI looks every two
 * seconds); at the first look, the average over the process's life. Looks at one process closer
 * together than {@link #MIN_INTERVAL_NANOS} get the last sample without reading /proc again.
 *
 * <p>Threading: safe from any thread (the previous looks are in a concurrent map). Never call
 * it on the engine thread: it reads files.
 */
final class UsageSampler {

    /** /proc counts CPU time in USER_HZ ticks, 100 per second on every Linux architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    /** Page size of x86-64 and arm64 Linux (the only platforms the daemon runs on). */
    private static final long PAGE_BYTES = 4096;
    /** Looks closer together than this reuse the last figure: a few ticks make no percentage. */
    private static final long MIN_INTERVAL_NANOS = 200_000_000L;

    private record Look(long cpuNanos, long atNanos, double percent, ResourceUsage usage, Instant started) {}

    private final Map<Integer, Look> last = new ConcurrentHashMap<>();
    private final Path proc;
    private final long reuseNanos;

    private static final Path REAL_PROC = Path.of("/proc");

    UsageSampler() {
        this(REAL_PROC);
    }

    UsageSampler(Path proc) {
        this(proc, MIN_INTERVAL_NANOS);
    }

    /** @param reuseNanos how long a sample is given again instead of reading /proc (tests) */
    UsageSampler(Path proc, long reuseNanos) {
        this.proc = proc;
        this.reuseNanos = reuseNanos;
    }

    /**
     * The usage of {@code pid} now, or empty if it cannot be read (the process has just gone).
     *
     * @param started when the process started, for the first look's average
     */
    Optional<ResourceUsage> sample(int pid, Instant started, Instant now) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Look recent = last.get(pid);
        if (recent != null && recent.started().equals(started) && System.nanoTime() - recent.atNanos() < reuseNanos) {
            // Many clients listing in a loop: one /proc read per process per interval, not per
            // call. The start time tells a new process that reused the pid from the one seen.
            return Optional.of(recent.usage());
        }
        String stat = read(pid);
        if (stat == null) {
            last.remove(pid);
            return Optional.empty();
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are
        // counted after the last ')'. Field 3 (state) is index 0 there.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 2).split(" ");
        if (f.length < 22) {
            return Optional.empty();
        }
        long cpuNanos = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK; // utime, stime (fields 14, 15)
        long rssBytes = Long.parseLong(f[21]) * PAGE_BYTES; // rss in pages (field 24)
        long at = System.nanoTime();
        Look before = last.get(pid);
        if (before != null && !before.started().equals(started)) {
            before = null; // another process under the same pid
        }
        double percent;
        if (before == null) {
            long life = Math.max(1, Duration.between(started, now).toNanos());
            percent = 100.0 * cpuNanos / life;
        } else if (at - before.atNanos() < MIN_INTERVAL_NANOS) {
            percent = before.percent();
            cpuNanos = Math.max(cpuNanos, before.cpuNanos());
            at = before.atNanos();
        } else {
            percent = 100.0 * Math.max(0, cpuNanos - before.cpuNanos()) / (at - before.atNanos());
        }
        ResourceUsage usage = ResourceUsage.newBuilder().setCpuPercent(Math.round(percent * 10) / 10.0)
                .setCpuTime(Durations.fromNanos(cpuNanos)).setRssBytes(rssBytes).setSampleTime(Protos.timestamp(now)).build();
        last.put(pid, new Look(cpuNanos, at, percent, usage, started));
        return Optional.of(usage);
    }

    /** {@code stat} of {@code pid}, null when it is gone: the real /proc in three system calls (ProcRead), a test's the plain way. */
    private String read(int pid) {
        if (proc.equals(REAL_PROC)) {
            return dev.taskmaster.server.os.ProcRead.text(pid, "stat").orElse(null);
        }
        try {
            return Files.readString(proc.resolve(Integer.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /**
     * Forgets the processes not in {@code pids} (they exited): the map stays as small as the pool.
     * A set, as every ListProcesses calls this: a list would make it quadratic in the processes.
     */
    void retain(Set<Integer> pids) {
        last.keySet().retainAll(pids);
    }
}
