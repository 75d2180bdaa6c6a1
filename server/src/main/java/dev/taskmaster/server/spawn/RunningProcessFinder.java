package dev.taskmaster.server.spawn;

import dev.taskmaster.config.AdoptSpec;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFiles;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds a program's process among those already running, by its {@code adopt:} setting: the pid
 * in a pidfile, or the newest process whose command line matches (like {@code pgrep -f}). A
 * candidate must be alive, one the daemon may signal and run (real and effective uid) as the
 * program's user, and a pidfile must be one only that user or root can write; it is never the daemon or one of its
 * ancestors, nor a process of another program (one carrying another instance's
 * {@code TASKMASTER_PROCESS_NAME}, or a descendant of the daemon that carries none).
 *
 * <p>Two moments ask: before running {@code cmd} (a missing or stale pidfile then just means
 * nothing runs yet), and after a {@code cmd} that daemonized (then it must be there). A pidfile
 * that cannot mean a process (not a number, another user's pid) is an error at either moment.
 *
 * <p>Threading: stateless; any thread. It reads {@code /proc} and a file, so not the engine's.
 */
final class RunningProcessFinder {

    /** A pidfile larger than this is not a pidfile. */
    private static final int MAX_PIDFILE = 64;
    /**
     * How long a match may take on one command line, which any local user can craft so that a
     * backtracking pattern never ends: far beyond what a sane pattern needs on 4 KiB.
     */
    private static final java.time.Duration MATCH_LIMIT = java.time.Duration.ofMillis(100);

    private RunningProcessFinder() {
    }

    /**
     * @param instance   the instance looking (its own daemonized process carries its name)
     * @param mustExist  after {@code cmd} daemonized: nothing found is an error, not "nothing runs"
     * @param uid        who the program runs as (its {@code user}, else the daemon's euid): the only
     *                   uid, besides root, that may own the pidfile, and the only one a process found
     *                   may run as (real and effective), so that a root daemon never takes another
     *                   user's process for the program's
     * @return the process to adopt (its pid and start time); empty when nothing runs
     * @throws SpawnException saying what is wrong with the pidfile or the process it names
     */
    static Optional<ProcStat> find(AdoptSpec spec, String instance, boolean mustExist, int uid) throws SpawnException {
        return switch (spec) {
            case AdoptSpec.Pidfile f -> pidfile(f.path(), instance, mustExist, uid);
            case AdoptSpec.Match m -> match(Pattern.compile(m.pattern()), instance, mustExist, uid);
        };
    }

    /** The uid a program runs as: its {@code user}'s, else the daemon's effective uid. */
    static int uidOf(java.util.Optional<String> user) throws SpawnException {
        if (user.isEmpty()) {
            return Posix.geteuid();
        }
        try {
            return dev.taskmaster.server.os.Users.lookup(user.get())
                    .orElseThrow(() -> new SpawnException("unknown user \"" + user.get() + "\"")).uid();
        } catch (NativeException e) {
            throw new SpawnException("cannot look up user \"" + user.get() + "\": " + e.getMessage());
        }
    }

    private static Optional<ProcStat> pidfile(Path file, String instance, boolean mustExist, int uid) throws SpawnException {
        String text;
        try {
            java.util.Optional<byte[]> read = PidFiles.read(file, uid, MAX_PIDFILE);
            if (read.isEmpty()) {
                if (mustExist) {
                    throw new SpawnException("pidfile " + file + ": no such file after cmd exited 0 (daemonized?)");
                }
                return Optional.empty();
            }
            byte[] head = read.get();
            if (head.length > MAX_PIDFILE) {
                throw new SpawnException("pidfile " + file + ": expected a process id, found more than " + MAX_PIDFILE + " bytes");
            }
            text = new String(head, StandardCharsets.US_ASCII).strip();
        } catch (PidFiles.Untrusted e) {
            throw new SpawnException("pidfile " + file + ": refused: " + e.getMessage());
        } catch (IOException e) {
            throw new SpawnException("pidfile " + file + ": cannot read: " + e.getMessage());
        }
        int pid;
        try {
            pid = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new SpawnException("pidfile " + file + ": expected a process id, found \"" + printable(text) + "\"");
        }
        if (pid <= 0) {
            throw new SpawnException("pidfile " + file + ": expected a process id > 0, found " + pid);
        }
        // Its start time, read first, names this process for good: the pidfd opened later is checked against it.
        ProcStat stat = ProcStat.of(pid).filter(st -> !st.isZombie()).orElse(null);
        if (stat == null) {
            if (mustExist) {
                throw new SpawnException("pidfile " + file + ": pid " + pid + " is not running (a stale pidfile)");
            }
            return Optional.empty();
        }
        String why = unfit(pid, instance, ancestors(), false);
        if (why != null) {
            throw new SpawnException("pidfile " + file + ": pid " + pid + " " + why);
        }
        signalable(file, pid);
        String runsAs = runsAs(pid, uid);
        if (runsAs != null) {
            throw new SpawnException("pidfile " + file + ": pid " + pid + " " + runsAs);
        }
        return Optional.of(stat);
    }

    private static Optional<ProcStat> match(Pattern pattern, String instance, boolean mustExist, int uid) throws SpawnException {
        Set<Integer> ancestors = ancestors();
        ProcStat newest = null;
        for (ProcStat s : ProcStat.all()) {
            if (s.isZombie() || (newest != null && s.startTicks() <= newest.startTicks())) {
                continue;
            }
            if (runsAs(s.pid(), uid) != null) {
                continue; // another user's: anyone could start a newer match to have it adopted
            }
            String cmdline = cmdline(s.pid());
            if (cmdline.isEmpty() || !BoundedMatch.find(pattern, cmdline, MATCH_LIMIT) || unfit(s.pid(), instance, ancestors, true) != null) {
                continue;
            }
            try {
                Signals.kill(s.pid(), 0);
            } catch (NativeException e) {
                continue; // not ours to signal: pgrep would list it, adopting it could not stop it
            }
            newest = s;
        }
        if (newest == null) {
            if (mustExist) {
                throw new SpawnException("no running process matches \"" + printable(pattern.pattern())
                        + "\" after cmd exited 0 (daemonized?)");
            }
            return Optional.empty();
        }
        return Optional.of(newest);
    }

    /**
     * Why {@code pid} may not be adopted by {@code instance}; null when it may.
     *
     * @param strict for a match, which the user did not point at: the daemon's own descendants
     *               that carry no instance's name are excluded too (a pidfile names its pid)
     */
    private static String unfit(int pid, String instance, Set<Integer> ancestors, boolean strict) {
        if (ancestors.contains(pid)) {
            return pid == Posix.getpid() ? "is taskmasterd itself" : "is an ancestor of taskmasterd";
        }
        String owner = ProcStat.environment(pid, Descendants.NAME_VARIABLE).orElse(null);
        if (owner != null) {
            return owner.equals(instance) ? null : "belongs to " + owner;
        }
        // A descendant of the daemon that carries no name is one of the daemon's own (a helper it ran).
        return strict && descendsFrom(pid, Posix.getpid()) ? "is a process of taskmasterd" : null;
    }

    /** Why {@code pid} does not run as {@code uid} (real and effective); null when it does. */
    private static String runsAs(int pid, int uid) {
        ProcStat.Uids u = ProcStat.uids(pid).orElse(null);
        if (u == null) {
            return "is not running";
        }
        if (u.real() == uid && u.effective() == uid) {
            return null;
        }
        String as = u.real() == u.effective() ? "uid " + u.real() : "uid " + u.real() + " (effective " + u.effective() + ")";
        return "runs as " + as + ", not as uid " + uid + " (the program's user); another user's process is never adopted";
    }

    private static void signalable(Path file, int pid) throws SpawnException {
        try {
            Signals.kill(pid, 0);
        } catch (NativeException e) {
            if (e.errno() == Errno.EPERM) {
                String owner;
                try {
                    owner = " (owned by " + Files.getOwner(Path.of("/proc/" + pid)).getName() + ")";
                } catch (IOException | RuntimeException x) {
                    owner = "";
                }
                throw new SpawnException("pidfile " + file + ": pid " + pid + owner
                        + " is another user's; taskmasterd may not signal it (EPERM)");
            }
            throw new SpawnException("pidfile " + file + ": pid " + pid + ": " + e.getMessage());
        }
    }

    /** The daemon and every process above it, up to pid 1. */
    private static Set<Integer> ancestors() {
        Set<Integer> out = new HashSet<>();
        for (int p = Posix.getpid(); p > 0 && out.add(p); ) {
            p = ProcStat.of(p).map(ProcStat::ppid).orElse(0);
        }
        return out;
    }

    private static boolean descendsFrom(int pid, int ancestor) {
        Set<Integer> seen = new HashSet<>();
        for (int p = ProcStat.of(pid).map(ProcStat::ppid).orElse(0); p > 0 && seen.add(p); ) {
            if (p == ancestor) {
                return true;
            }
            p = ProcStat.of(p).map(ProcStat::ppid).orElse(0);
        }
        return false;
    }

    /** The command line as {@code pgrep -f} matches it: the arguments joined by spaces. */
    private static String cmdline(int pid) {
        try {
            byte[] raw;
            // Only what a match looks at: a command line may be megabytes long (ARG_MAX).
            try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/" + pid + "/cmdline"))) {
                raw = in.readNBytes(BoundedMatch.MAX_TEXT);
            }
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            for (int i = 0; i < end; i++) {
                if (raw[i] == 0) {
                    raw[i] = ' ';
                }
            }
            return new String(raw, 0, end, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
