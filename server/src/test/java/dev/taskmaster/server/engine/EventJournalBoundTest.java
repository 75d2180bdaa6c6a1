package dev.taskmaster.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventJournalBoundTest {

    @TempDir
    Path tmp;

    private InstanceSpec crasher() throws Exception {
        Path file = Files.writeString(tmp.resolve("taskmaster.yaml"), """
                programs:
                  crasher:
                    cmd: /bin/true
                    autorestart: always
                """);
        return ConfigLoader.load(file, Map.of()).instances().getFirst();
    }

    /** One turn of a crash loop: STARTING, RUNNING, EXITED, as the engine journals them. */
    private static void crashOnce(EventJournal journal, InstanceSpec spec, int pid) {
        Instant now = Instant.now();
        ExitRecord exit = new ExitRecord(new ExitOutcome.Exited(0), true, pid, now, Duration.ofMillis(2));
        journal.append(now, (seq, t) -> new EngineEvent.StateChanged(seq, t, spec.name(), ProcessState.EXITED,
                ProcessState.STARTING, pid, "restarted (autorestart always)", Optional.empty(),
                snapshot(spec, ProcessState.STARTING, pid, t, Optional.of(exit)), ""));
        journal.append(now, (seq, t) -> new EngineEvent.StateChanged(seq, t, spec.name(), ProcessState.STARTING,
                ProcessState.RUNNING, pid, "started (starttime is 0)", Optional.empty(),
                snapshot(spec, ProcessState.RUNNING, pid, t, Optional.of(exit)), ""));
        journal.append(now, (seq, t) -> new EngineEvent.StateChanged(seq, t, spec.name(), ProcessState.RUNNING,
                ProcessState.EXITED, 0, "exited with code 0 (expected)", Optional.of(exit),
                snapshot(spec, ProcessState.EXITED, 0, t, Optional.of(exit)), ""));
    }

    private static ProcessSnapshot snapshot(InstanceSpec spec, ProcessState state, int pid, Instant t,
            Optional<ExitRecord> exit) {
        return new ProcessSnapshot(spec, state, t, pid, Optional.of(t), pid, 0, exit, Optional.empty(), Optional.empty());
    }

    @Test
    void aCrashLoopKeepsTheHistoryFlatByCount() throws Exception {
        InstanceSpec spec = crasher();
        EventJournal journal = new EventJournal(1_000);
        long plateau = -1;
        for (int i = 1; i <= 20_000; i++) {
            crashOnce(journal, spec, 1000 + i);
            if (i == 1_000) {
                plateau = journal.bytes();
            }
            assertThat(journal.size()).isLessThanOrEqualTo(1_000);
        }
        assertThat(journal.size()).isEqualTo(1_000);
        // Same events, same estimate: the history weighs what it did once full, not more.
        assertThat(journal.bytes()).isEqualTo(plateau).isLessThanOrEqualTo(EventJournal.DEFAULT_MAX_BYTES);
        assertThat(journal.lastSequence()).isEqualTo(60_000);
        assertThat(journal.oldestSequence()).isEqualTo(59_001);
        List<EngineEvent> tail = journal.since(59_990);
        assertThat(tail).extracting(EngineEvent::sequence).containsExactly(
                59_990L, 59_991L, 59_992L, 59_993L, 59_994L, 59_995L, 59_996L, 59_997L, 59_998L, 59_999L, 60_000L);
    }

    @Test
    void theByteBoundWinsOverTheCountAndKeepsTheNumberingConsecutive() throws Exception {
        InstanceSpec spec = crasher();
        long perTurn;
        {
            EventJournal probe = new EventJournal(100);
            crashOnce(probe, spec, 1);
            perTurn = probe.bytes();
        }
        assertThat(perTurn).as("a crash loop's turn (3 state changes) is estimated as measured: ~500 bytes an event")
                .isBetween(3L * 300, 3L * 900);
        long maxBytes = 100 * perTurn;
        EventJournal journal = new EventJournal(1_000_000, maxBytes);
        for (int i = 1; i <= 50_000; i++) {
            crashOnce(journal, spec, i);
            assertThat(journal.bytes()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(journal.size()).isEqualTo(300);
        List<EngineEvent> all = journal.since(0);
        assertThat(all).hasSize(300);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).sequence()).isEqualTo(all.get(i - 1).sequence() + 1);
        }
        assertThat(all.getLast().sequence()).isEqualTo(journal.lastSequence()).isEqualTo(150_000);
    }

    @Test
    void anEventLargerThanTheWholeBoundIsStillKeptAlone() {
        EventJournal journal = new EventJournal(10, 200);
        journal.append(Instant.now(), (seq, t) -> new EngineEvent.DaemonStarted(seq, t, 1, 1));
        String longReason = "x".repeat(1_000);
        journal.append(Instant.now(), (seq, t) -> new EngineEvent.ShutdownStarted(seq, t, longReason));
        assertThat(journal.since(0)).singleElement().isInstanceOf(EngineEvent.ShutdownStarted.class);
        journal.append(Instant.now(), (seq, t) -> new EngineEvent.DaemonStarted(seq, t, 1, 1));
        assertThat(journal.since(0)).extracting(EngineEvent::sequence).containsExactly(3L);
        assertThat(journal.bytes()).isLessThanOrEqualTo(200);
    }

    @Test
    void aRestoredHistoryIsBoundedToo() throws Exception {
        InstanceSpec spec = crasher();
        EventJournal before = new EventJournal(10_000);
        for (int i = 0; i < 500; i++) {
            crashOnce(before, spec, i + 1);
        }
        EventJournal after = new EventJournal(10_000, before.bytes() / 2);
        after.restore(before.id(), before.lastSequence(), before.since(0));
        assertThat(after.bytes()).isLessThanOrEqualTo(before.bytes() / 2);
        assertThat(after.size()).isBetween(749, 750);
        assertThat(after.since(0).getLast().sequence()).isEqualTo(1_500);
    }

    @Test
    void boundsMustKeepAnEvent() {
        assertThatThrownBy(() -> new EventJournal(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity 0");
        assertThatThrownBy(() -> new EventJournal(10, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes 0");
    }
}
