package dev.taskmaster.server.recovery;

import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Pipe;
import dev.taskmaster.server.os.PosixSpawn;
import dev.taskmaster.server.os.ProcFds;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.SpawnRequest;
import dev.taskmaster.server.os.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real process for these tests, leading its own session as a program's does: {@code sh -c
 * SCRIPT}, its stdout and stderr on a pipe whose read end this test keeps ({@link #readEnd}, as a
 * re-exec'd daemon holds it) or has closed (as after a crash). {@link #close} kills its session
 * and reaps it.
 */
final class Spawned implements AutoCloseable {

    static final Duration LIMIT = Duration.ofSeconds(20);

    final int pid;
    /** This test's read end of the process's output pipe, -1 once closed. */
    int readEnd;
    /** Its stdin pipe's write end, -1 once closed. */
    int stdinWrite;

    private Spawned(int pid, int readEnd, int stdinWrite) {
        this.pid = pid;
        this.readEnd = readEnd;
        this.stdinWrite = stdinWrite;
    }

    static Spawned sh(String script) throws NativeException {
        Pipe out = Pipe.create();
        Pipe in = Pipe.create();
        SpawnRequest request = SpawnRequest.of(Path.of("/bin/sh"), List.of("sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C")).withStdio(Stdio.fd(in.readFd()), Stdio.fd(out.writeFd()),
                Stdio.fd(out.writeFd()));
        int pid = PosixSpawn.spawn(request);
        Fds.closeQuietly(out.writeFd());
        Fds.closeQuietly(in.readFd());
        return new Spawned(pid, out.readFd(), in.writeFd());
    }

    /** Closes this test's ends of its pipes: as the death of the daemon that held them. */
    Spawned orphanOutput() {
        Fds.closeQuietly(readEnd);
        Fds.closeQuietly(stdinWrite);
        readEnd = -1;
        stdinWrite = -1;
        return this;
    }

    ProcStat stat() {
        return ProcStat.of(pid).orElseThrow();
    }

    /** What state it was in as a state file would record it (ticks, session, uid, its streams). */
    StateFile.Entry entry(String instance) {
        ProcStat s = stat();
        return new StateFile.Entry(instance, pid, s.startTicks(), s.session(), ProcStat.uids(pid).orElseThrow().real(), false,
                StreamIdentity.of(ProcFds.link(pid, 0)), StreamIdentity.of(ProcFds.link(pid, 1)),
                StreamIdentity.of(ProcFds.link(pid, 2)), 15, Duration.ofSeconds(10), dev.taskmaster.config.KillMode.MIXED);
    }

    @Override
    public void close() {
        Fds.closeQuietly(readEnd);
        Fds.closeQuietly(stdinWrite);
        // Its session: what it forked goes too.
        for (ProcStat p : ProcStat.all()) {
            if (p.session() == pid && p.pid() != pid) {
                try {
                    dev.taskmaster.server.os.Signals.kill(p.pid(), 9);
                } catch (NativeException ignored) {
                    // gone
                }
            }
        }
        PidFd.killAndReap(pid);
    }
}
