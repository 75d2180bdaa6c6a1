package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The holes of the daemon's local boundary found by trying it as a second user would (issue 10,
 * section 1), each reproduced against the real bin/taskmasterd and shown closed. Each test is
 * named after its hole. The second user is {@link LocalUser}; those that need it run as root.
 */
class LocalHolesIT {

    static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /**
     * Hole: as root with {@code server.user}, the daemon gave that user the shared runtime
     * directory (every root instance's sockets and pidfiles) and the daemon log's directory, so
     * the user could replace another root daemon's socket, or plant a link where the next root
     * daemon wrote its pidfile. Closed: the user gets only the log directories this start made
     * (and the files it makes in them); the daemon still rotates its log and makes program logs as
     * that user; what it cannot remove at exit, the next start replaces.
     */
    @Test
    void serverUserChownsSharedDirectories() throws Exception {
        LocalUser user = LocalUser.ensure();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = BinProcess.env(tmp);
        Path runtime = tmp.resolve("run/taskmaster");
        // A shared log directory, like /var/log: root's, writable by all, sticky.
        Path shared = Files.createDirectory(tmp.resolve("var-log"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path config = Files.writeString(tmp.resolve("t.yaml"), "server:\n  user: " + user.name() + "\n  logfile: " + shared
                + "/d.log\n  logfile_maxbytes: 2KB\n  logfile_backups: 2\n"
                + "programs:\n  flap:\n    cmd: \"sh -c 'echo out; echo err >&2; exit 1'\"\n    starttime: 0\n"
                + "    autorestart: always\n    backoff: {reset_after: 0}\n  sleeper:\n    cmd: sleep 1000\n");
        Path minimal = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        Path logdir = tmp.resolve("state/taskmaster/default/logs");

        // Another root instance already uses the runtime directory.
        try (BinProcess other = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", minimal.toString(), "-i", "other")) {
            BinProcess.await("the other daemon's pidfile", LIMIT, () -> Files.exists(runtime.resolve("other.pid")) || !other.isAlive());
            assertThat(other.isAlive()).as(other.stderr()).isTrue();
            long firstPid;
            try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "-c", config.toString())) {
                firstPid = daemon.pid();
                BinProcess.await("the daemon to run as " + user.name() + " and rotate its log", LIMIT,
                        () -> !daemon.isAlive() || uid(daemon.pid()) == user.uid() && Files.exists(shared.resolve("d.log.1"))
                                && Files.exists(logdir.resolve("flap.stdout.log")) && Files.exists(runtime.resolve("default.pid")));
                assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
                List<ProcessHandle> children = ProcessHandle.of(daemon.pid()).orElseThrow().descendants().toList();

                // Shared directories stay root's, as they were.
                assertOwnerAndMode(runtime, 0, "rwx------");
                assertOwnerAndMode(shared, 0, "rwxrwxrwx");
                assertThat(Files.getAttribute(shared, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(041777);
                assertOwnerAndMode(tmp.resolve("state/taskmaster"), 0, "rwxr-xr-x");
                assertOwnerAndMode(runtime.resolve("default.lock"), 0, "rw-------");
                assertOwnerAndMode(runtime.resolve("default.pid"), 0, "rw-r--r--");
                assertOwnerAndMode(runtime.resolve("other.sock"), 0, "rw-------");
                assertOwnerAndMode(runtime.resolve("default.sock"), 0, "rw-------");
                // The user's: the logdir made by this start, and every log file.
                assertOwnerAndMode(logdir, user.uid(), "rwxr-xr-x");
                for (Path log : List.of(shared.resolve("d.log"), shared.resolve("d.log.1"), logdir.resolve("flap.stdout.log"),
                        logdir.resolve("flap.stderr.log"), logdir.resolve("sleeper.stdout.log"))) {
                    // d.log rotates all the time (2 KB, flap's lines): read it between two renames.
                    assertOwnerAndModeBetweenRotations(log, user.uid(), "rw-r-----");
                }

                // What the hole allowed, tried as the user: all refused, nothing changed.
                for (String attack : List.of("ln -s " + victim + " " + runtime.resolve("other.pid.tmp"),
                        "ln -sf " + victim + " " + runtime.resolve("default.pid"), "rm -f " + runtime.resolve("other.sock"),
                        "mv " + runtime.resolve("other.sock") + " " + tmp.resolve("stolen.sock"), "ls " + runtime)) {
                    LocalUser.Result r = user.sh(attack);
                    assertThat(r.code()).as(attack + ": " + r.output()).isNotZero();
                    assertThat(r.output()).as(attack).contains("Permission denied");
                }
                assertThat(runtime.resolve("other.sock")).exists();
                assertThat(Files.exists(runtime.resolve("other.pid.tmp"), LinkOption.NOFOLLOW_LINKS)).isFalse();
                assertThat(Files.readString(victim)).isEqualTo("precious\n");

                // Root still controls it; the instance's lock outlived the switch of user. Sleeper is
                // STARTING for its starttime (1 s) first, which the checks above may not outlast
                // (exit code 3 until it is RUNNING): poll for it.
                BinProcess.await("sleeper RUNNING, as root sees it", LIMIT,
                        () -> runs(env, "sleeper"));
                BinProcess.Result status = BinProcess.ctl(tmp, env, LIMIT, "status", "sleeper");
                assertThat(status.code()).as(status.err()).isZero();
                assertThat(status.out()).contains("sleeper", "RUNNING");
                try (BinProcess second = BinProcess.start(tmp, env, "bin/taskmasterd", "-c", config.toString())) {
                    assertThat(second.waitFor(LIMIT)).isEqualTo(3);
                    assertThat(second.stderr()).isEqualTo("taskmasterd: instance \"default\" is already running (pid "
                            + daemon.pid() + ", lock " + runtime.resolve("default.lock") + ")\n");
                }

                ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
                assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
                for (ProcessHandle child : children) {
                    BinProcess.await("pid " + child.pid() + " to be gone", LIMIT, () -> !child.isAlive());
                }
            }
            // The switched daemon could not remove these from root's directory: documented, and
            // the next start, holding the lock, knows them to be stale and replaces them.
            assertThat(runtime.resolve("default.sock")).exists();
            assertThat(Files.readString(runtime.resolve("default.pid")).strip()).isEqualTo(String.valueOf(firstPid));
            assertThat(daemonLog(shared)).contains("stays behind", "taskmasterd stopped");
            // Without the flapping program this time, so that its lines do not rotate the notices away.
            Path calm = Files.writeString(tmp.resolve("calm.yaml"), "server:\n  user: " + user.name() + "\n  logfile: "
                    + shared + "/d.log\nprograms:\n  sleeper:\n    cmd: sleep 1000\n");
            try (BinProcess again = BinProcess.start(tmp, env, "bin/taskmasterd", "-c", calm.toString())) {
                BinProcess.await("the new pidfile", LIMIT, () -> !again.isAlive()
                        || readOrEmpty(runtime.resolve("default.pid")).strip().equals(String.valueOf(again.pid())));
                assertThat(again.isAlive()).as(again.stderr()).isTrue();
                // The pidfile is written before the switch of user, so before the programs start:
                // sleeper is STARTING for its starttime (1 s) first.
                BinProcess.await("sleeper RUNNING under the new daemon", LIMIT, () -> runs(env, "sleeper"));
                assertThat(daemonLog(shared)).contains(
                        "removed the stale pidfile " + runtime.resolve("default.pid"),
                        "removed the stale socket " + runtime.resolve("default.sock"));
                BinProcess.shutdown(again, tmp, env, LIMIT);
            }
            ProcessHandle.of(other.pid()).orElseThrow().destroy();
            assertThat(other.waitFor(LIMIT)).as(other.stderr()).isZero();
        }
        // A log directory that was there before, root's and closed to the user, is not handed
        // over: the daemon says so and stops, instead of failing to write its logs later.
        Path rootsLogs = Files.createDirectory(tmp.resolve("roots-logs"));
        Path closed = Files.writeString(tmp.resolve("closed.yaml"), "server:\n  user: " + user.name() + "\n  logfile: "
                + shared + "/closed.log\n  logdir: " + rootsLogs + "\nprograms:\n  sleeper:\n    cmd: sleep 1000\n");
        try (BinProcess refused = BinProcess.start(tmp, env, "bin/taskmasterd", "--no-stderr-log", "-c", closed.toString())) {
            assertThat(refused.waitFor(LIMIT)).isEqualTo(3);
            assertThat(refused.stderr()).endsWith("taskmasterd: cannot start: server.user " + user.name() + " (uid "
                    + user.uid() + ") cannot write " + rootsLogs + ", the logdir (owned by uid 0, mode 0755), and it was"
                    + " there before this start, so it is not handed over; chown it to " + user.name() + ", or remove it\n");
        }
        assertOwnerAndMode(rootsLogs, 0, "rwxr-xr-x");
    }

    /**
     * Hole: the pidfile was written to the fixed name {@code <pidfile>.tmp}, following links,
     * then renamed: a link planted at that name (or at the pidfile) made root overwrite the file
     * it pointed to. Closed: a new temporary file with a random name (O_EXCL), renamed over the
     * pidfile; the links are replaced or left alone, never written through.
     */
    @Test
    void pidfileWrittenThroughAPlantedSymlink() throws Exception {
        LocalUser user = LocalUser.ensure();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A directory anyone may write, with the sticky bit (like /tmp or /var/tmp): a pidfile there is allowed.
        Path sticky = Files.createDirectory(tmp.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path pidfile = sticky.resolve("d.pid");
        Path oldTmp = sticky.resolve("d.pid.tmp");
        LocalUser.Result planted = user.sh("ln -s " + victim + " " + oldTmp + " && ln -s " + victim + " " + pidfile);
        assertThat(planted.code()).as(planted.output()).isZero();
        Path config = Files.writeString(tmp.resolve("t.yaml"), "server:\n  pidfile: " + pidfile
                + "\nprograms:\n  sleeper:\n    cmd: sleep 1000\n");
        Map<String, String> env = BinProcess.env(tmp);
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            // Until the pid is in place, or the victim was written through a link (the hole).
            BinProcess.await("the pidfile", LIMIT, () -> !daemon.isAlive() || !readOrEmpty(victim).equals("precious\n")
                    || !Files.isSymbolicLink(pidfile) && readOrEmpty(pidfile).equals(daemon.pid() + "\n"));
            assertThat(Files.readString(victim)).isEqualTo("precious\n");
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            assertThat(Files.readSymbolicLink(oldTmp)).isEqualTo(victim);
            assertOwnerAndMode(pidfile, 0, "rw-r--r--");
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
        assertThat(pidfile).doesNotExist();
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertOwnerAndMode(victim, 0, "rw-r--r--");
    }

    /**
     * Hole: a runtime directory made beforehand by another user, mode 777, was used as it was.
     * Closed: it must be a directory of the daemon's user, not a link, not writable by others;
     * one that is not is refused with one line, and nothing is put in it. Explicit socket and
     * pidfile directories must not be links, nor writable by others without the sticky bit.
     */
    @Test
    void existingRuntimeDirectoryIsTrusted() throws Exception {
        LocalUser user = LocalUser.ensure();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = BinProcess.env(tmp);
        Path minimal = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        Path xdg = Files.createDirectory(tmp.resolve("run"));
        Files.setAttribute(xdg, "unix:mode", 01777);
        Path runtime = xdg.resolve("taskmaster");

        LocalUser.Result made = user.sh("mkdir " + runtime + " && chmod 777 " + runtime);
        assertThat(made.code()).as(made.output()).isZero();
        assertRefused(env, "taskmasterd: cannot start: " + runtime + " is owned by uid " + user.uid()
                + ", not by this user (0); remove it and start again", "--allow-root", "-c", minimal.toString());
        assertThat(list(runtime)).isEmpty();
        assertOwnerAndMode(runtime, user.uid(), "rwxrwxrwx");

        Files.delete(runtime);
        Files.createDirectory(runtime);
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(env, "taskmasterd: cannot start: " + runtime + " is writable by group and others (mode 0777), so"
                + " anything in it may have been planted; remove it and start again", "--allow-root", "-c", minimal.toString());
        assertThat(list(runtime)).isEmpty();

        Files.delete(runtime);
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(runtime, elsewhere);
        assertRefused(env, "taskmasterd: cannot start: " + runtime + " is a symbolic link (to " + elsewhere
                + "), not a directory of this user's; remove it and start again", "--allow-root", "-c", minimal.toString());
        assertThat(list(elsewhere)).isEmpty();

        // Ours, only too open for reading: made private, said in the log, and used.
        Files.delete(runtime);
        Files.createDirectory(runtime);
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", minimal.toString())) {
            BinProcess.await("the pidfile", LIMIT, () -> Files.exists(runtime.resolve("default.pid")) || !daemon.isAlive());
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            assertOwnerAndMode(runtime, 0, "rwx------");
            assertThat(Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log")))
                    .contains("runtime directory " + runtime + " had mode 0755; set it to 0700");
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }

        // Explicit socket and pidfile directories.
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(env, "taskmasterd: cannot start: the socket directory " + open + " is writable by group and others"
                + " (mode 0777) without the sticky bit, so they could replace what the daemon puts there; use a directory"
                + " only its owner can write (or one with the sticky bit, like /tmp)",
                "--allow-root", "-c", minimal.toString(), "--socket", open.resolve("t.sock").toString());
        Path linked = Files.createSymbolicLink(tmp.resolve("linked"), elsewhere);
        assertRefused(env, "taskmasterd: cannot start: the socket directory " + linked + " is a symbolic link (to "
                + elsewhere + "); name the directory itself",
                "--allow-root", "-c", minimal.toString(), "--socket", linked.resolve("t.sock").toString());
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", user.uid());
        Path withPidfile = Files.writeString(tmp.resolve("p.yaml"), "server:\n  pidfile: " + theirs.resolve("d.pid")
                + "\nprograms:\n  sleeper:\n    cmd: sleep 1000\n");
        assertRefused(env, "taskmasterd: cannot start: the pidfile directory " + theirs + " is owned by uid " + user.uid()
                + ", neither this user (0) nor root, who alone may be trusted with it",
                "--allow-root", "-c", withPidfile.toString());
        assertThat(list(open)).isEmpty();
        assertThat(list(theirs)).isEmpty();
    }

    /**
     * Hole: two daemons of one instance started at the same moment both ran, and both started
     * the programs. Closed: the instance's lock, taken before anything else; every loser exits 3
     * with one line naming the winner's pid. Five at once, several rounds; the programs are
     * counted as real processes.
     */
    @Test
    void twoDaemonsOnOneInstance() throws Exception {
        Map<String, String> env = BinProcess.env(tmp);
        Path lock = tmp.resolve("run/taskmaster/default.lock");
        for (int round = 0; round < 4; round++) {
            // A command line of this round alone, to count its processes wherever they come from.
            String marker = "86400." + round + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
            Path config = Files.writeString(tmp.resolve("r" + round + ".yaml"),
                    "programs:\n  worker:\n    cmd: sleep " + marker + "\n    numprocs: 3\n");
            List<BinProcess> daemons = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    daemons.add(BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString()));
                }
                int r = round;
                // Until all but one have exited, or more than one set of workers runs (the hole).
                BinProcess.await("round " + r + ": all but one daemon to exit", LIMIT,
                        () -> daemons.stream().filter(BinProcess::isAlive).count() <= 1 || processes(marker).size() > 3);
                List<BinProcess> alive = daemons.stream().filter(BinProcess::isAlive).toList();
                assertThat(alive).as("round " + round + ": " + stderrs(daemons)).hasSize(1);
                BinProcess winner = alive.getFirst();
                for (BinProcess loser : daemons) {
                    if (loser != winner) {
                        assertThat(loser.waitFor(LIMIT)).as("round " + round).isEqualTo(3);
                        assertThat(loser.stderr()).as("round " + round).isEqualTo("taskmasterd: instance \"default\" is"
                                + " already running (pid " + winner.pid() + ", lock " + lock + ")\n");
                    }
                }
                BinProcess.await("round " + r + ": the winner's three workers", LIMIT, () -> processes(marker).size() >= 3);
                assertThat(processes(marker)).as("round " + round + ": processes running sleep " + marker).hasSize(3);
                assertThat(processes(marker)).allSatisfy(p ->
                        assertThat(p.parent().map(ProcessHandle::pid)).contains(winner.pid()));
                ProcessHandle.of(winner.pid()).orElseThrow().destroy();
                assertThat(winner.waitFor(LIMIT)).as(winner.stderr()).isZero();
                BinProcess.await("round " + r + ": the workers to be gone", LIMIT, () -> processes(marker).isEmpty());
            } finally {
                daemons.forEach(BinProcess::close);
                processes(marker).forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    /**
     * Hole: program logs, terminal transcripts included, and the daemon log were created 0644,
     * readable by every local user. Closed: 0640 by default (logfile_mode, server.logfile_mode),
     * exactly, whatever the umask; rotations, reopen and an existing file of ours included.
     */
    @Test
    void programLogsAreWorldReadable() throws Exception {
        Map<String, String> env = BinProcess.env(tmp);
        Path logs = tmp.resolve("state/taskmaster/default/logs");
        Path daemonLog = tmp.resolve("state/taskmaster/default/taskmasterd.log");
        // An existing log, from an older daemon that made it readable by all.
        Files.createDirectories(logs);
        Path old = Files.writeString(logs.resolve("old.stdout.log"), "before\n");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                server:
                  logfile_maxbytes: 2KB
                  logfile_backups: 1
                programs:
                  chatty:
                    cmd: "sh -c 'i=0; while [ $i -lt 200 ]; do echo line $i out; echo line $i err >&2; i=$((i+1)); done; exec sleep 1000'"
                    logfile_maxbytes: 512
                    logfile_backups: 2
                  term:
                    cmd: "sh -c 'echo on a terminal; exec sleep 1000'"
                    tty: true
                  team:
                    cmd: "sh -c 'echo for the group; exec sleep 1000'"
                    logfile_mode: 0660
                  old:
                    cmd: "sh -c 'echo after; exec sleep 1000'"
                  flap:
                    cmd: /bin/false
                    starttime: 0
                    autorestart: always
                    backoff: {reset_after: 0}
                """);
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "--no-stderr-log", "-c",
                config.toString())) {
            BinProcess.await("rotated program and daemon logs", LIMIT, () -> !daemon.isAlive()
                    || Files.exists(logs.resolve("chatty.stdout.log.2")) && Files.exists(logs.resolve("chatty.stderr.log.2"))
                    && readOrEmpty(logs.resolve("term.stdout.log")).contains("on a terminal")
                    && readOrEmpty(old).contains("after") && Files.exists(daemonLog.resolveSibling("taskmasterd.log.1")));
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            for (String name : List.of("chatty.stdout.log", "chatty.stdout.log.1", "chatty.stdout.log.2", "chatty.stderr.log",
                    "chatty.stderr.log.1", "chatty.stderr.log.2", "term.stdout.log", "old.stdout.log", "old.stderr.log",
                    "flap.stdout.log")) {
                assertOwnerAndMode(logs.resolve(name), 0, "rw-r-----");
            }
            assertThat(Files.getAttribute(logs.resolve("term.stdout.log"), "unix:gid")).isEqualTo(0);
            // 0660: exactly, not what the umask (022) would have left of it.
            assertOwnerAndMode(logs.resolve("team.stdout.log"), 0, "rw-rw----");
            assertOwnerAndMode(daemonLog, 0, "rw-r-----");
            assertOwnerAndMode(daemonLog.resolveSibling("taskmasterd.log.1"), 0, "rw-r-----");

            // Opened up behind its back, then reopened for logrotate (SIGUSR2): tightened again.
            Path chatty = logs.resolve("chatty.stdout.log");
            Files.setPosixFilePermissions(chatty, PosixFilePermissions.fromString("rw-rw-rw-"));
            new ProcessBuilder("kill", "-USR2", String.valueOf(daemon.pid())).start().waitFor();
            BinProcess.await("the reopened log to be tightened", LIMIT, () -> mode(chatty).equals("rw-r-----"));
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        }

        // server.logfile_mode, and logfile_mode tighter than the default.
        Path tight = Files.writeString(tmp.resolve("tight.yaml"), "server:\n  logfile_mode: 0600\n"
                + "programs:\n  quiet:\n    cmd: \"sh -c 'echo hush; exec sleep 1000'\"\n    logfile_mode: 600\n");
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", tight.toString(),
                "-i", "tight")) {
            Path quiet = tmp.resolve("state/taskmaster/tight/logs/quiet.stdout.log");
            BinProcess.await("quiet's output", LIMIT, () -> !daemon.isAlive() || readOrEmpty(quiet).contains("hush"));
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            assertOwnerAndMode(quiet, 0, "rw-------");
            assertOwnerAndMode(tmp.resolve("state/taskmaster/tight/taskmasterd.log"), 0, "rw-------");
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
    }

    /**
     * Not a hole found, but the same one from the other side: root writing its logs by name in
     * a directory another user owns would follow whatever link that user left there. Refused
     * at start; a configuration rejected at start-up is then reported on standard error only.
     */
    @Test
    void rootDoesNotWriteItsLogsInAnotherUsersDirectory() throws Exception {
        LocalUser user = LocalUser.ensure();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = BinProcess.env(tmp);
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", user.uid());
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        LocalUser.Result planted = user.sh("ln -s " + victim + " " + theirs.resolve("d.log"));
        assertThat(planted.code()).as(planted.output()).isZero();

        Path config = Files.writeString(tmp.resolve("t.yaml"), "server:\n  logfile: " + theirs.resolve("d.log")
                + "\nprograms:\n  sleeper:\n    cmd: sleep 1000\n");
        assertRefused(env, "taskmasterd: cannot start: the daemon log's directory " + theirs + " is owned by uid "
                + user.uid() + ", and a daemon running as root does not write in another user's directory; chown it to"
                + " root, or set server.user to run as that user", "--allow-root", "-c", config.toString());

        Path rejected = Files.writeString(tmp.resolve("bad.yaml"), "server:\n  logfile: " + theirs.resolve("d.log")
                + "\nprograms:\n  sleeper:\n    cmd: sleep 1000\n    numprocs: 0\n");
        try (BinProcess p = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", rejected.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stderr()).endsWith("taskmasterd: 1 error in the configuration; nothing was started\n");
        }
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
    }

    private void assertRefused(Map<String, String> env, String line, String... args) throws InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "bin/taskmasterd";
        System.arraycopy(args, 0, argv, 1, args.length);
        try (BinProcess p = BinProcess.start(tmp, env, argv)) {
            assertThat(p.waitFor(LIMIT)).as(p.stderr()).isEqualTo(3);
            assertThat(p.stderr()).isEqualTo(line + "\n");
        }
    }

    private static void assertOwnerAndMode(Path p, int uid, String mode) throws IOException {
        assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of " + p).isEqualTo(uid);
        assertThat(mode(p)).as("mode of " + p).isEqualTo(mode);
    }

    /**
     * As {@link #assertOwnerAndMode} for a file that log rotation renames and makes again: owner
     * and mode read in one call, tried again while the file is between the rename and the new one.
     */
    private static void assertOwnerAndModeBetweenRotations(Path p, int uid, String mode) throws InterruptedException {
        List<Map<String, Object>> seen = new java.util.ArrayList<>();
        BinProcess.await(p + " there between two rotations", LIMIT, () -> {
            try {
                seen.add(Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS));
                return true;
            } catch (IOException between) {
                return false;
            }
        });
        Map<String, Object> attributes = seen.getLast();
        assertThat(attributes.get("uid")).as("owner of " + p).isEqualTo(uid);
        int bits = (Integer) attributes.get("mode");
        StringBuilder rwx = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            rwx.append((bits >> shift & 4) != 0 ? 'r' : '-').append((bits >> shift & 2) != 0 ? 'w' : '-')
                    .append((bits >> shift & 1) != 0 ? 'x' : '-');
        }
        assertThat(rwx.toString()).as("mode of " + p).isEqualTo(mode);
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** The real uid of a process, -1 once it is gone. */
    private static int uid(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> Integer.parseInt(l.split("\\s+")[1])).findFirst().orElse(-1);
        } catch (IOException gone) {
            return -1;
        }
    }

    private static List<ProcessHandle> processes(String marker) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    private static String stderrs(List<BinProcess> daemons) {
        return daemons.stream().map(d -> d.pid() + ": " + d.stderr()).toList().toString();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** d.log with its backups (it rotates at 2 KB), oldest first. */
    private static String daemonLog(Path dir) {
        return readOrEmpty(dir.resolve("d.log.2")) + readOrEmpty(dir.resolve("d.log.1")) + readOrEmpty(dir.resolve("d.log"));
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@code taskmasterctl status NAME} says RUNNING (exit code 0). */
    private boolean runs(Map<String, String> env, String name) {
        try {
            return BinProcess.ctl(tmp, env, LIMIT, "status", name).code() == 0;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
