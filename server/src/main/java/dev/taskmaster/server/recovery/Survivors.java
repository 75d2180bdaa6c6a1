package dev.taskmaster.server.recovery;

import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcFds;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds which processes of a state file still run, and are the very processes recorded: the
 * same boot (a reboot ends them all, and pids and start ticks start over), the same pid with the
 * same start ticks (a reused pid is someone else), a uid the daemon may answer for, and, for a
 * process the daemon spawned, the session it led. Nothing else named in a state file is ever
 * signalled: a file that lies (stale, or hostile — though {@link StateFile#read} already refuses
 * one that is not the daemon's own) can make the daemon touch no process but its own user's
 * that it recorded.
 *
 * <p>Output: a survivor's pipes are first looked for among the descriptors this process already
 * holds (a re-exec keeps them), else reopened through {@code /proc/PID/fd/N} when that still names
 * the recorded pipe (after a crash). A terminal's master cannot be reopened: unless this process
 * holds it, that survivor's output is lost ({@link Survivor#outputLost}).
 *
 * <p>Also here: the ends a new daemon gives survivors it does not resume ({@link #kill} for
 * {@code --fresh}, {@link #stop} for a program no longer configured).
 *
 * <p>Threading: stateless; any thread; {@link #stop} blocks up to the stoptime.
 */
public final class Survivors {

    private static final Logger log = LoggerFactory.getLogger(Survivors.class);
    /** USER_HZ, the unit of /proc's start ticks: 100 on every Linux architecture this runs on. */
    private static final long TICKS_PER_SECOND = 100;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Survivors() {
    }

    /** The kernel's boot id: changes with every boot. */
    public static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the boot id from /proc/sys/kernel/random/boot_id", e);
        }
    }

    /**
     * The recorded processes still alive, with the same boot id and start ticks, run by this
     * daemon's user (or, for a daemon running as root, by the uid recorded). See {@link #find(StateFile.Contents, BiPredicate)}.
     */
    public static List<Survivor> find(StateFile.Contents contents) {
        int euid = Posix.geteuid();
        return find(contents, (entry, uid) -> uid == euid || euid == 0 && uid == entry.uid());
    }

    /**
     * The recorded processes still alive and the same: same boot, same start ticks, a real uid
     * {@code mayTouch} accepts for the entry (the daemon's user, or its program's), and for a
     * spawned process the session it leads. Each is logged when it is not found, and why.
     */
    public static List<Survivor> find(StateFile.Contents contents, BiPredicate<StateFile.Entry, Integer> mayTouch) {
        if (contents.processes().isEmpty()) {
            return List.of();
        }
        String boot = bootId();
        if (!boot.equals(contents.bootId())) {
            log.info("the state file was written before the machine last started (boot id {}, now {}): none of its {}"
                    + " process(es) can still run", contents.bootId(), boot, contents.processes().size());
            return List.of();
        }
        String reason = contents.daemonPid() == Posix.getpid()
                ? "kept across the daemon's re-exec; supervised again"
                : "survived the previous daemon (pid " + contents.daemonPid() + ", crashed at "
                        + CLOCK.format(contents.written()) + " or soon after); supervised again";
        Held held = Held.scan();
        List<Survivor> out = new ArrayList<>();
        for (StateFile.Entry e : contents.processes()) {
            check(e, mayTouch).ifPresent(stat -> out.add(survivor(e, stat, held, "pid " + e.pid() + " " + reason)));
        }
        return out;
    }

    /** The process of an entry if it is still the one recorded and ours to touch, else empty (said in the log). */
    private static Optional<ProcStat> check(StateFile.Entry e, BiPredicate<StateFile.Entry, Integer> mayTouch) {
        Optional<ProcStat> stat = ProcStat.of(e.pid());
        // A zombie that is this process's own child ended during a re-exec: kept, so that the
        // ChildWatcher reaps it with its real status and the pump reads what it wrote to the end.
        boolean ownZombie = stat.isPresent() && stat.get().isZombie() && stat.get().ppid() == Posix.getpid();
        if (stat.isEmpty() || stat.get().isZombie() && !ownZombie) {
            log.info("{}: pid {} ended while no daemon watched it", e.instance(), e.pid());
            return Optional.empty();
        }
        if (stat.get().startTicks() != e.startTicks()) {
            log.info("{}: pid {} ended while no daemon watched it (the pid now names another process, left alone)",
                    e.instance(), e.pid());
            return Optional.empty();
        }
        Optional<ProcStat.Uids> uids = ProcStat.uids(e.pid());
        if (uids.isEmpty()) {
            return Optional.empty();
        }
        if (!mayTouch.test(e, uids.get().real())) {
            log.warn("{}: pid {} runs as uid {}, neither the daemon's user nor its program's: left alone", e.instance(), e.pid(),
                    uids.get().real());
            return Optional.empty();
        }
        if (!e.adopted() && (stat.get().session() != e.session() || !e.leadsSession())) {
            log.warn("{}: pid {} no longer leads session {} as recorded: left alone", e.instance(), e.pid(), e.session());
            return Optional.empty();
        }
        return stat;
    }

    private static Survivor survivor(StateFile.Entry e, ProcStat stat, Held held, String reason) {
        Duration age = age(stat.startTicks());
        Instant startedAt = Instant.now().minus(age);
        boolean ownChild = stat.ppid() == Posix.getpid();
        if (e.adopted()) {
            return new Survivor(e, ownChild, startedAt, age, -1, -1, -1, false, Optional.empty(), reason);
        }
        if (e.stdout().kind() == StreamIdentity.Kind.PTY) {
            OptionalInt master = held.takePty(e.stdout().id());
            if (master.isEmpty()) {
                return new Survivor(e, ownChild, startedAt, age, -1, -1, -1, true, Optional.of("its terminal (pty "
                        + e.stdout().id() + ") closed with the previous daemon, and a terminal cannot be reopened"), reason);
            }
            int input = held.takePty(e.stdout().id()).orElse(-1);
            if (input < 0) {
                try {
                    input = Fds.dup(master.getAsInt());
                } catch (NativeException ex) {
                    input = -1;
                }
            }
            return new Survivor(e, ownChild, startedAt, age, input, master.getAsInt(), -1, true, Optional.empty(), reason);
        }
        int stdin = e.stdin().kind() == StreamIdentity.Kind.PIPE ? pipe(e, 0, e.stdin().id(), true, held) : -1;
        int stdout = -1;
        int stderr = -1;
        List<String> lost = new ArrayList<>();
        if (e.stdout().kind() == StreamIdentity.Kind.PIPE) {
            stdout = pipe(e, 1, e.stdout().id(), false, held);
            if (stdout < 0) {
                lost.add("stdout");
            }
        }
        boolean sharedPipe = e.stderr().equals(e.stdout());
        if (e.stderr().kind() == StreamIdentity.Kind.PIPE && !sharedPipe) {
            stderr = pipe(e, 2, e.stderr().id(), false, held);
            if (stderr < 0) {
                lost.add("stderr");
            }
        }
        Optional<String> outputLost = lost.isEmpty() ? Optional.empty()
                : Optional.of("its " + String.join(" and ", lost) + " pipe" + (lost.size() > 1 ? "s are" : " is")
                        + " gone (the process no longer holds what it was given)");
        return new Survivor(e, ownChild, startedAt, age, stdin, stdout, stderr, false, outputLost, reason);
    }

    /** A descriptor on the recorded pipe: one this process holds, else reopened through /proc; -1 if neither. */
    private static int pipe(StateFile.Entry e, int fd, long inode, boolean forWriting, Held held) {
        OptionalInt own = held.takePipe(inode, forWriting);
        if (own.isPresent()) {
            try {
                Fds.setCloseOnExec(own.getAsInt(), true);
            } catch (NativeException ex) {
                log.debug("cannot set close-on-exec on fd {}: {}", own.getAsInt(), ex.getMessage());
            }
            return own.getAsInt();
        }
        return ProcFds.reopenPipe(e.pid(), fd, inode, forWriting).orElse(-1);
    }

    /** How long ago a process started {@code startTicks} after boot. */
    static Duration age(long startTicks) {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII).trim().split(" ")[0];
            long sinceBootMillis = Math.round(Double.parseDouble(uptime) * 1000);
            return Duration.ofMillis(Math.max(0, sinceBootMillis - startTicks * 1000 / TICKS_PER_SECOND));
        } catch (IOException | RuntimeException e) {
            return Duration.ZERO;
        }
    }

    /**
     * The descriptors this process holds that a previous daemon may have left it (a re-exec):
     * pipes by inode, terminal masters by number. Each is handed out once.
     */
    private static final class Held {
        private final Map<Long, List<Integer>> pipes = new HashMap<>();
        private final Map<Long, List<Integer>> ptys = new HashMap<>();

        static Held scan() {
            Held h = new Held();
            int self = Posix.getpid();
            for (int fd : ProcFds.own()) {
                if (fd <= 2) {
                    continue; // the daemon's own standard streams
                }
                Optional<String> link = ProcFds.link(self, fd);
                if (link.isEmpty()) {
                    continue;
                }
                ProcFds.pipeInode(link.get()).ifPresent(inode -> h.pipes.computeIfAbsent(inode, k -> new ArrayList<>()).add(fd));
                if (link.get().equals("/dev/ptmx") || link.get().equals("/dev/pts/ptmx")) {
                    ProcFds.ptyOfMaster(fd).ifPresent(n -> h.ptys.computeIfAbsent((long) n, k -> new ArrayList<>()).add(fd));
                }
            }
            return h;
        }

        OptionalInt takePipe(long inode, boolean writeEnd) {
            List<Integer> fds = pipes.get(inode);
            if (fds == null) {
                return OptionalInt.empty();
            }
            for (int i = 0; i < fds.size(); i++) {
                if (ProcFds.writeOnly(fds.get(i)) == writeEnd) {
                    return OptionalInt.of(fds.remove(i));
                }
            }
            return OptionalInt.empty();
        }

        OptionalInt takePty(long number) {
            List<Integer> fds = ptys.get(number);
            return fds == null || fds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(fds.removeFirst());
        }
    }

    // ---- ends for survivors that are not resumed ------------------------------------------

    /**
     * Kills every survivor and what remains of the session it leads (its group and every process
     * that stayed in its session), each through a pidfd checked against its start time, then
     * waits up to {@code limit} for them to be gone: {@code --fresh}. Releases their descriptors.
     *
     * @return how many processes were killed
     */
    public static int kill(List<Survivor> survivors, Duration limit) {
        int killed = 0;
        List<ProcStat> all = ProcStat.all();
        List<ProcStat> targets = new ArrayList<>();
        for (Survivor s : survivors) {
            s.release();
            ProcStat.of(s.pid()).filter(p -> p.startTicks() == s.startTicks()).ifPresent(targets::add);
            if (s.recorded().leadsSession()) {
                int uid = ProcStat.uids(s.pid()).map(ProcStat.Uids::real).orElse(-1);
                for (ProcStat p : all) {
                    if (p.session() == s.pid() && p.pid() != s.pid() && !p.isZombie()
                            && ProcStat.uids(p.pid()).map(ProcStat.Uids::real).orElse(-2) == uid) {
                        targets.add(p);
                    }
                }
            }
        }
        for (ProcStat p : targets) {
            if (signal(p, Signals.SIGKILL)) {
                killed++;
            }
        }
        long deadline = System.nanoTime() + limit.toNanos();
        for (ProcStat p : targets) {
            while (alive(p) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            if (alive(p)) {
                log.warn("pid {} did not end within {} of SIGKILL", p.pid(), limit);
            }
        }
        return killed;
    }

    /**
     * Stops a survivor whose program is no longer configured, as its program would have been:
     * its stop signal (to its group, by its kill mode), SIGKILL after its stoptime, and, by its
     * kill mode, SIGKILL to what remains of its session. Blocks until it has ended (up to
     * stoptime and a few seconds); releases its descriptors.
     *
     * @return whether it has ended
     */
    public static boolean stop(Survivor s) {
        s.release();
        StateFile.Entry e = s.recorded();
        int pidfd;
        try {
            pidfd = PidFd.open(s.pid());
        } catch (NativeException ex) {
            return true; // gone already
        }
        try {
            Optional<ProcStat> now = ProcStat.of(s.pid());
            if (now.isEmpty() || now.get().startTicks() != s.startTicks() || now.get().isZombie()) {
                return true;
            }
            boolean leads = now.get().pgrp() == s.pid();
            send(pidfd, s.pid(), e.stopSignal(), leads && e.killmode().stopsGroup());
            if (!awaitEnd(pidfd, e.stoptime())) {
                log.warn("{}: pid {} did not stop within {}; sending SIGKILL", e.instance(), s.pid(), e.stoptime());
                send(pidfd, s.pid(), Signals.SIGKILL, leads && e.killmode().killsGroup());
                if (!awaitEnd(pidfd, Duration.ofSeconds(5))) {
                    log.warn("{}: pid {} did not end within 5 s of SIGKILL", e.instance(), s.pid());
                    return false;
                }
            }
            if (e.killmode().killsGroup() && e.leadsSession()) {
                // What its session still holds goes too, as at the end of any process of its kill mode.
                List<ProcStat> rest = ProcStat.all().stream().filter(p -> p.session() == s.pid() && !p.isZombie()).toList();
                rest.forEach(p -> signal(p, Signals.SIGKILL));
            }
            return true;
        } finally {
            Fds.closeQuietly(pidfd);
        }
    }

    private static void send(int pidfd, int pid, int signal, boolean toGroup) {
        try {
            PidFd.sendSignal(pidfd, toGroup ? 0 : signal);
            if (toGroup) {
                Signals.killProcessGroup(pid, signal);
            }
        } catch (NativeException ex) {
            if (ex.errno() != Errno.ESRCH) {
                log.warn("cannot send signal {} to {}{}: {}", signal, toGroup ? "process group " : "pid ", pid, ex.getMessage());
            }
        }
    }

    private static boolean awaitEnd(int pidfd, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            try {
                if (ProcFds.awaitReadable(pidfd, (int) Math.max(0, Math.min(Integer.MAX_VALUE, left / 1_000_000)))) {
                    return true;
                }
            } catch (NativeException ex) {
                return false;
            }
            if (left <= 0) {
                return false;
            }
        }
    }

    /** SIGKILL or another signal to {@code p} through a pidfd checked against its start time; false if it is gone or refused. */
    private static boolean signal(ProcStat p, int signal) {
        int pidfd;
        try {
            pidfd = PidFd.open(p.pid());
        } catch (NativeException e) {
            return false;
        }
        try {
            Optional<ProcStat> now = ProcStat.of(p.pid());
            if (now.isEmpty() || now.get().startTicks() != p.startTicks() || now.get().isZombie()) {
                return false;
            }
            PidFd.sendSignal(pidfd, signal);
            return true;
        } catch (NativeException e) {
            if (e.errno() != Errno.ESRCH) {
                log.warn("cannot signal pid {}: {}", p.pid(), e.getMessage());
            }
            return false;
        } finally {
            Fds.closeQuietly(pidfd);
        }
    }

    private static boolean alive(ProcStat p) {
        return ProcStat.of(p.pid()).filter(now -> now.startTicks() == p.startTicks() && !now.isZombie()).isPresent();
    }
}
