package dev.taskmaster.server.reexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ConfigChange;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.StdStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The re-exec handover: every kind of event and an output ring through bytes and back, unchanged. */
class HandoverTest {

    @TempDir
    Path tmp;

    private Config config(String yaml) throws Exception {
        Path f = Files.writeString(tmp.resolve("c" + System.nanoTime() + ".yaml"), yaml);
        return ConfigLoader.load(f, Map.of());
    }

    /** One of every event type, with the richest program spec the configuration can describe. */
    private List<EngineEvent> events() throws Exception {
        Config before = config("""
                programs:
                  web:
                    cmd: "sh -c 'exec sleep 100'"
                    numprocs: 2
                    autorestart: unexpected
                    exitcodes: [0, 2]
                    stopsignal: INT
                    env: {A: "1", B: "two"}
                    workingdir: /tmp
                    umask: "022"
                    stdout: none
                    tty: false
                """);
        Config after = config("""
                programs:
                  web:
                    cmd: "sh -c 'exec sleep 200'"
                  db:
                    cmd: "sleep 1"
                    tty: true
                """);
        InstanceSpec web0 = before.instances().getFirst();
        Instant t = Instant.parse("2026-12-07T06:00:00.123456789Z");
        ExitRecord exit = new ExitRecord(new ExitOutcome.Killed(new Signal(11, "SEGV"), true), false, 42, t, Duration.ofMillis(1500));
        ProcessSnapshot snap = new ProcessSnapshot(web0, ProcessState.BACKOFF, t, 0, Optional.of(t), 3, 1, Optional.of(exit),
                Optional.of("boom"), Optional.of(t.plusSeconds(2)), 1, false);
        ConfigDiff diff = ConfigDiff.between(before, after);
        return List.of(
                new EngineEvent.DaemonStarted(1, t, 1, 2),
                new EngineEvent.StateChanged(2, t, "web:0", ProcessState.RUNNING, ProcessState.BACKOFF, 42, "killed by SIGSEGV",
                        Optional.of(exit), snap, "alice (uid 1000)"),
                new EngineEvent.StateChanged(3, t, "web:1", ProcessState.STARTING, ProcessState.FATAL, 0, "spawn failed",
                        Optional.of(new ExitRecord(new ExitOutcome.SpawnFailed("no such file"), false, 0, t, Duration.ZERO)), snap, ""),
                new EngineEvent.ConfigReloaded(4, t, diff, new ConfigChange(ConfigChange.Kind.PROGRAM_UPDATED,
                        Optional.of(after.programs().getFirst()), "web", "bob")),
                new EngineEvent.ConfigRejected(4, t, List.of(new ConfigError(tmp.resolve("x.yaml"), 3, 7, "programs.web.cmd", "expected a string"))),
                new EngineEvent.LogWritingStopped(5, t, "web:0", "stdout", tmp.resolve("web.log"),
                        dev.taskmaster.config.LogFullPolicy.values()[0], "no space left on device (ENOSPC)"),
                new EngineEvent.LogWritingResumed(6, t, "web:0", "stdout", tmp.resolve("web.log"),
                        dev.taskmaster.config.LogFullPolicy.values()[0], "ENOSPC", Duration.ofSeconds(3), 10, 2),
                new EngineEvent.ShutdownStarted(7, t, "SIGTERM", "carol"));
    }

    @Test
    void everyEventAndRingComesBackEqual() throws Exception {
        List<EngineEvent> events = events();
        OutputRing ring = new OutputRing(64);
        for (int i = 0; i < 20; i++) {
            ring.append(i % 3 == 0 ? StdStream.STDERR : StdStream.STDOUT, ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
        Handover h = new Handover(1234, "boot", Instant.parse("2026-12-07T05:00:00Z"), 2, "journal-x", 7, events,
                Map.of("web:0", ring.image(1 << 20)));
        Handover back = Handover.decode(h.encode());

        assertThat(back.events()).isEqualTo(events);
        assertThat(back.pid()).isEqualTo(1234);
        assertThat(back.reexecs()).isEqualTo(2);
        assertThat(back.journalId()).isEqualTo("journal-x");
        assertThat(back.lastSequence()).isEqualTo(7);
        OutputRing restored = new OutputRing(64);
        restored.restore(back.rings().get("web:0"));
        for (OffsetSpace space : OffsetSpace.values()) {
            assertThat(restored.start(space)).as("start of %s", space).isEqualTo(ring.start(space));
            assertThat(restored.end(space)).as("end of %s", space).isEqualTo(ring.end(space));
            assertThat(text(restored.read(space, 0, 1000))).as("bytes of %s", space).isEqualTo(text(ring.read(space, 0, 1000)));
        }
        // And offsets go on from there.
        ring.append(StdStream.STDOUT, ByteBuffer.wrap("next\n".getBytes(StandardCharsets.US_ASCII)));
        restored.append(StdStream.STDOUT, ByteBuffer.wrap("next\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(text(restored.read(OffsetSpace.COMBINED, 0, 1000))).isEqualTo(text(ring.read(OffsetSpace.COMBINED, 0, 1000)));
        assertThat(restored.end(OffsetSpace.STDOUT)).isEqualTo(ring.end(OffsetSpace.STDOUT));
    }

    @Test
    void aRingLargerThanItsShareHandsOverItsNewestBytesAndAllItsOffsets() {
        OutputRing ring = new OutputRing(1000);
        for (int i = 0; i < 100; i++) {
            ring.append(StdStream.STDOUT, ByteBuffer.wrap(("%04d\n".formatted(i)).getBytes(StandardCharsets.US_ASCII)));
        }
        OutputRing restored = new OutputRing(1000);
        restored.restore(ring.image(50));
        assertThat(restored.end(OffsetSpace.COMBINED)).isEqualTo(500);
        assertThat(restored.end(OffsetSpace.STDOUT)).isEqualTo(500);
        assertThat(restored.start(OffsetSpace.COMBINED)).isEqualTo(450);
        assertThat(text(restored.read(OffsetSpace.STDOUT, 0, 1000))).startsWith("STDOUT@450:0090\n").endsWith("0099\n");
    }

    @Test
    void theJournalGoesOnWithItsIdNumbersAndKeptEvents() throws Exception {
        List<EngineEvent> events = events().stream().filter(e -> !(e instanceof EngineEvent.ConfigRejected)).toList();
        EventJournal journal = new EventJournal(5);
        journal.restore("journal-x", 7, events);
        assertThat(journal.id()).isEqualTo("journal-x");
        assertThat(journal.lastSequence()).isEqualTo(7);
        assertThat(journal.oldestSequence()).isEqualTo(3); // the capacity keeps the newest 5
        EngineEvent next = journal.append(Instant.now(), (seq, t) -> new EngineEvent.DaemonStarted(seq, t, 1, 1));
        assertThat(next.sequence()).isEqualTo(8);
        assertThat(journal.since(7).stream().map(EngineEvent::sequence)).containsExactly(7L, 8L);
        assertThatThrownBy(() -> journal.restore("again", 1, List.of())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHandoverOfAnotherVersionOrOfGarbageIsRefused() {
        assertThatThrownBy(() -> Handover.decode("not a handover".getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("not a taskmasterd re-exec handover");
    }

    @Test
    void theHandoverIsTakenOnlyFromItsOwnMemfd() throws Exception {
        Handover h = new Handover((int) ProcessHandle.current().pid(), HandoverFile.bootId(), Instant.now(), 0, "j", 3, List.of(),
                Map.of());
        int fd = HandoverFile.write(h);
        assertThat(HandoverFile.take(fd).lastSequence()).isEqualTo(3);

        // Another pid's (a handover cannot come from another process) and an ordinary file's are refused.
        int other = HandoverFile.write(new Handover(1, HandoverFile.bootId(), Instant.now(), 0, "j", 3, List.of(), Map.of()));
        assertThatThrownBy(() -> HandoverFile.take(other)).hasMessageContaining("written by pid 1, not by this process");
        Path plain = Files.write(tmp.resolve("forged"), h.encode());
        try (var in = new java.io.FileInputStream(plain.toFile())) {
            int plainFd = dev.taskmaster.server.os.Fds.dup(fdOf(in));
            assertThatThrownBy(() -> HandoverFile.take(plainFd)).hasMessageContaining("not a re-exec handover");
        }
        assertThatThrownBy(() -> HandoverFile.take(99_999)).hasMessageContaining("descriptor 99999 is not open");
    }

    private static int fdOf(java.io.FileInputStream in) throws Exception {
        // /proc/self/fd lists it: the one whose link is the file.
        Path target = Path.of("/proc/self/fd");
        try (var list = Files.list(target)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                try {
                    if (Files.readSymbolicLink(p).toString().endsWith("/forged")) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (java.io.IOException e) {
                    // the listing's own descriptor, closed meanwhile
                }
            }
        }
        throw new AssertionError("no descriptor of the forged file");
    }

    private static String text(List<OutputRing.Piece> pieces) {
        StringBuilder b = new StringBuilder();
        for (OutputRing.Piece p : pieces) {
            b.append(p.stream()).append('@').append(p.offset()).append(':').append(new String(p.data(), StandardCharsets.US_ASCII));
        }
        return b.toString();
    }
}
