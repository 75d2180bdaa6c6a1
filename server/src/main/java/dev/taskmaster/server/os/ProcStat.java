package dev.taskmaster.server.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code /proc/PID/stat} says of one process: its state, parent, process group, session
 * and start time. A zombie keeps all of them until it is reaped, so a dead descendant can still
 * be attributed to its program.
 *
 * <p>Threading: any thread; each call reads {@code /proc} afresh.
 *
 * @param pid        the process
 * @param state      {@code R}, {@code S}, {@code Z} (zombie)…
 * @param ppid       its parent
 * @param pgrp       its process group
 * @param session    its session
 * @param startTicks when it started, in clock ticks since boot: with the pid, names one process for good
 */
public record ProcStat(int pid, char state, int ppid, int pgrp, int session, long startTicks) {

    private static final Path PROC = Path.of("/proc");

    public boolean isZombie() {
        return state == 'Z';
    }

    /** The process, or empty when there is none (or it went away while being read). */
    public static Optional<ProcStat> of(int pid) {
        // Three system calls (ProcRead), not a stream's ten: a sweep reads every process's.
        try {
            return ProcRead.text(pid, "stat").map(line -> parse(pid, line));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Every process of the system that could be read. */
    public static List<ProcStat> all() {
        List<ProcStat> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    of(Integer.parseInt(name)).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return out;
    }

    /**
     * The value of {@code name} in the environment the process was started with (or exec'd
     * with), empty when it is not set or cannot be read (a zombie, another user's process).
     */
    public static Optional<String> environment(int pid, String name) {
        byte[] env;
        try {
            env = Files.readAllBytes(PROC.resolve(Integer.toString(pid)).resolve("environ"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String prefix = name + "=";
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                String entry = new String(env, start, i - start, StandardCharsets.UTF_8);
                if (entry.startsWith(prefix)) {
                    return Optional.of(entry.substring(prefix.length()));
                }
                start = i + 1;
            }
        }
        return Optional.empty();
    }

    /** Who a process runs as: its real and effective uid. */
    public record Uids(int real, int effective) {
    }

    /** The real and effective uid of the process (the {@code Uid:} line of its status), empty when it is gone. */
    public static Optional<Uids> uids(int pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Integer.toString(pid)).resolve("status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return Optional.of(new Uids(Integer.parseInt(f[0]), Integer.parseInt(f[1])));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone while being read
        }
        return Optional.empty();
    }

    /** Parses a stat line: the command name is in parentheses and may itself contain ") ". */
    static ProcStat parse(int pid, String line) {
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        // After the name: state(0) ppid(1) pgrp(2) session(3) tty(4) tpgid(5) flags(6) minflt(7) cminflt(8)
        // majflt(9) cmajflt(10) utime(11) stime(12) cutime(13) cstime(14) priority(15) nice(16)
        // num_threads(17) itrealvalue(18) starttime(19)
        return new ProcStat(pid, f[0].charAt(0), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Long.parseLong(f[19]));
    }
}
