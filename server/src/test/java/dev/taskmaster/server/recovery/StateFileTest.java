package dev.taskmaster.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.testkit.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file: its format read back exactly, every way a file can be wrong, and atomic, coalesced writes. */
class StateFileTest {

    @TempDir
    Path dir;

    private static final StateFile.Entry WEB = new StateFile.Entry("web:0", 4300, 912_345, 4300, 1000, false,
            new StreamIdentity(StreamIdentity.Kind.PIPE, 81234), new StreamIdentity(StreamIdentity.Kind.PIPE, 81235),
            new StreamIdentity(StreamIdentity.Kind.PIPE, 81236), 15, Duration.ofSeconds(10), KillMode.MIXED);
    private static final StateFile.Entry CONSOLE = new StateFile.Entry("odd name/ü %", 4400, 7, 4400, 0, true,
            new StreamIdentity(StreamIdentity.Kind.PTY, 3), new StreamIdentity(StreamIdentity.Kind.PTY, 3), StreamIdentity.OTHER,
            2, Duration.ofMillis(1500), KillMode.PROCESS);

    private static StateFile.Contents contents(List<StateFile.Entry> entries) {
        return new StateFile.Contents("6f1c2d0e-0000-4000-8000-000000000001", 4242, 1234, Instant.parse("2026-12-07T05:40:12.345Z"),
                entries);
    }

    @Test
    void whatIsWrittenIsReadBackExactly() throws Exception {
        StateFile.Contents c = contents(List.of(WEB, CONSOLE));
        assertThat(StateFormat.parse(dir.resolve("x"), StateFormat.format(c))).isEqualTo(c);
        assertThat(StateFormat.parse(dir.resolve("x"), StateFormat.format(contents(List.of())))).isEqualTo(contents(List.of()));
    }

    @Test
    void aBrokenFileIsRefusedWithItsLineAndWhatWasExpected() {
        Path f = dir.resolve("default.state");
        String good = StateFormat.format(contents(List.of(WEB)));
        assertInvalid(f, good.substring(0, good.indexOf("end ")), f + ":8: expected a process line or \"end N\", found the end of the file (cut short?)");
        assertInvalid(f, good.substring(0, good.length() - 1), f + ":8: expected a newline at the end of the file, found none (cut short?)");
        assertInvalid(f, good.replace("end 1", "end 2"), f + ":8: expected end 1 (the number of process lines), found \"end 2\"");
        assertInvalid(f, good.replace(" pid=4300 ", " pid=-4 "), f + ":7: expected pid (a number of 0 or more), found \"-4\"");
        assertInvalid(f, good.replace(" pid=4300 ", " pid=x "), f + ":7: expected pid (a number), found \"x\"");
        assertInvalid(f, good.replace(" stdin=pipe:81234", ""), f + ":7: expected the key stdin, found a process line without it");
        assertInvalid(f, good.replace(" uid=1000", " uid=1000 color=red"), f + ":7: expected one of name, pid, start, session, uid,"
                + " adopted, stdin, stdout, stderr, stopsignal, stoptime, killmode, found key \"color\"");
        assertInvalid(f, good.replace("stdout=pipe:81235", "stdout=fifo:1"), f + ":7: expected stdout as pipe:N, pty:N, other or none,"
                + " found \"fifo:1\"");
        assertInvalid(f, good.replace("killmode=mixed", "killmode=all"), f + ":7: expected killmode mixed, group or process, found \"all\"");
        assertInvalid(f, good.replace("stopsignal=15", "stopsignal=99"), f + ":7: expected a signal number from 1 to 64, found \"99\"");
        assertInvalid(f, good.replace("format 1", "format 2"), f + ":2: expected format 1, found format 2 (written by another version"
                + " of taskmasterd)");
        assertInvalid(f, good.replace("written 2026-12-07T05:40:12.345Z", "written yesterday"), f + ":6: expected a time such as"
                + " 2026-12-07T05:40:12Z, found \"yesterday\"");
        assertInvalid(f, good + "extra\n", f + ":9: expected nothing after the end line, found \"extra\"");
        // A foreign file: someone's YAML where the state file should be.
        assertInvalid(f, "programs:\n  web:\n    cmd: x\n", f + ":1: expected the header line \"" + StateFormat.HEADER
                + "\" (not a taskmaster state file), found \"programs:\"");
        assertInvalid(f, "", f + ":1: expected the header line \"" + StateFormat.HEADER + "\" (not a taskmaster state file),"
                + " found the end of the file (cut short?)");
    }

    private void assertInvalid(Path f, String text, String message) {
        try {
            Files.writeString(f, text);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> StateFile.read(f)).isInstanceOf(StateFile.Invalid.class).hasMessage(message);
        // At start-up: a warning, and nothing recovered; never a failure.
        assertThat(StateFile.load(f)).isEmpty();
    }

    @Test
    void onlyARegularFileOfTheDaemonsUserThatNoOneElseMayWriteIsTrusted() throws Exception {
        Path f = dir.resolve("default.state");
        assertThat(StateFile.read(f)).as("no file: nothing to recover").isEmpty();
        Files.writeString(f, StateFormat.format(contents(List.of(WEB))));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(StateFile.read(f)).contains(contents(List.of(WEB)));

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw--w----"));
        assertThatThrownBy(() -> StateFile.read(f)).hasMessage(f + ": expected a file only its owner may write (mode 0600), found"
                + " mode rw--w----; it is not trusted");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-----w-"));
        assertThatThrownBy(() -> StateFile.read(f)).hasMessageContaining("found mode rw-----w-");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));

        Path link = dir.resolve("link.state");
        Files.createSymbolicLink(link, f);
        assertThatThrownBy(() -> StateFile.read(link)).hasMessage(link + ": expected a regular file, found a symbolic link");
        Path sub = Files.createDirectory(dir.resolve("dir.state"));
        assertThatThrownBy(() -> StateFile.read(sub)).hasMessage(sub + ": expected a regular file, found a directory");

        Files.write(f, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
        assertThatThrownBy(() -> StateFile.read(f)).hasMessage(f + ": expected UTF-8 text, found bytes that are not");

        if (Posix.geteuid() == 0) {
            // Someone else's file must not make the daemon adopt or kill anything.
            Files.writeString(f, StateFormat.format(contents(List.of(WEB))));
            Files.setAttribute(f, "unix:uid", 65534);
            assertThatThrownBy(() -> StateFile.read(f)).hasMessage(f + ": expected a file owned by uid 0 (the daemon's user), found"
                    + " one owned by uid 65534; it is not trusted: no process named in it is adopted or killed");
        }
    }

    @Test
    void aReaderNeverSeesATornFileWhileAWriterWritesInALoop() throws Exception {
        Path f = dir.resolve("default.state");
        List<InstanceSpec> instances = instances(40);
        try (Spawned a = Spawned.sh("exec sleep 1000"); Spawned b = Spawned.sh("exec sleep 1000")) {
            StateFile state = StateFile.start(f, 0);
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger reads = new AtomicInteger();
            AtomicReference<Throwable> torn = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    try {
                        Optional<StateFile.Contents> c = StateFile.read(f);
                        if (c.isPresent()) {
                            reads.incrementAndGet();
                        }
                    } catch (StateFile.Invalid e) {
                        torn.set(e);
                        return;
                    }
                }
            });
            try {
                long sequence = 0;
                for (int round = 0; round < 300; round++) {
                    // Every instance alternates between the two pids: each write is a new, whole file.
                    int pid = round % 2 == 0 ? a.pid : b.pid;
                    for (InstanceSpec i : instances) {
                        state.accept(running(++sequence, i, pid));
                    }
                    state.flushNow();
                }
                Poll.until("the reader to read many times", Spawned.LIMIT, () -> reads.get() >= 50 || torn.get() != null);
            } finally {
                done.set(true);
                reader.join();
                state.close();
            }
            assertThat(torn.get()).as("a torn read").isNull();
            StateFile.Contents last = StateFile.read(f).orElseThrow();
            assertThat(last.processes()).hasSize(40).allMatch(e -> e.pid() == b.pid);
            assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            try (var listing = Files.list(dir)) {
                assertThat(listing.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
                        .containsExactly("default.state");
            }
        }
    }

    @Test
    void changesAreCoalescedAndTheNewestStateEndsUpWrittenOffTheCallersThread() throws Exception {
        Path f = dir.resolve("default.state");
        List<InstanceSpec> instances = instances(200);
        try (Spawned a = Spawned.sh("exec sleep 1000")) {
            StateFile state = StateFile.start(f, 0);
            try {
                long sequence = 0;
                for (InstanceSpec i : instances) {
                    state.accept(running(++sequence, i, a.pid));
                }
                long last = sequence;
                Poll.until("the newest state on disk", Spawned.LIMIT, () -> {
                    try {
                        return StateFile.read(f).map(c -> c.lastSequence() == last && c.processes().size() == 200).orElse(false);
                    } catch (StateFile.Invalid e) {
                        throw new AssertionError(e);
                    }
                });
                assertThat(state.writes()).as("writes for 200 changes").isLessThan(200);
                StateFile.Entry e = StateFile.read(f).orElseThrow().processes().getFirst();
                assertThat(e.startTicks()).isEqualTo(a.stat().startTicks());
                assertThat(e.session()).isEqualTo(a.pid);
                assertThat(e.stdout().kind()).isEqualTo(StreamIdentity.Kind.PIPE);
                assertThat(e.stderr()).isEqualTo(e.stdout());
                assertThat(e.stdin().kind()).isEqualTo(StreamIdentity.Kind.PIPE);
                assertThat(e.stopSignal()).as("SIGINT, the program's stopsignal").isEqualTo(2);

                // An exit takes it out; a clean shutdown removes the file.
                for (InstanceSpec i : instances) {
                    state.accept(stopped(++sequence, i));
                }
                long end = sequence;
                Poll.until("an empty state on disk", Spawned.LIMIT, () -> {
                    try {
                        return StateFile.read(f).map(c -> c.lastSequence() == end && c.processes().isEmpty()).orElse(false);
                    } catch (StateFile.Invalid ex) {
                        throw new AssertionError(ex);
                    }
                });
            } finally {
                state.remove();
            }
            assertThat(f).doesNotExist();
        }
    }

    private List<InstanceSpec> instances(int n) throws Exception {
        Path cfg = dir.resolve("cfg.yaml");
        Files.writeString(cfg, "programs:\n  web:\n    cmd: sleep 1000\n    numprocs: " + n + "\n    stopsignal: INT\n", StandardCharsets.UTF_8);
        Config config = ConfigLoader.load(cfg, Map.of());
        Files.delete(cfg);
        return config.instances();
    }

    private static EngineEvent running(long sequence, InstanceSpec i, int pid) {
        Instant now = Instant.now();
        ProcessSnapshot after = new ProcessSnapshot(i, ProcessState.RUNNING, now, pid, Optional.of(now), 0, 0, Optional.empty(),
                Optional.empty(), Optional.empty());
        return new EngineEvent.StateChanged(sequence, now, i.name(), ProcessState.STARTING, ProcessState.RUNNING, pid, "test",
                Optional.empty(), after, "");
    }

    private static EngineEvent stopped(long sequence, InstanceSpec i) {
        Instant now = Instant.now();
        ProcessSnapshot after = new ProcessSnapshot(i, ProcessState.STOPPED, now, 0, Optional.of(now), 0, 0, Optional.empty(),
                Optional.empty(), Optional.empty());
        return new EngineEvent.StateChanged(sequence, now, i.name(), ProcessState.STOPPING, ProcessState.STOPPED, 0, "test",
                Optional.empty(), after, "");
    }
}
