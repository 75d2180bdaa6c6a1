package dev.taskmaster.server.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.testkit.Poll;
import dev.taskmaster.testkit.SmallDisk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon log's file on a real file system that fills up (a 2 MiB tmpfs). Needs root, else skipped. */
class HoldingLogStreamTest {

    private static final Pattern NOTICE = Pattern.compile(".* WARN  DaemonLog: this log could not be written from \\S+ for"
            + " [0-9.]+ s \\(no space left on device \\(ENOSPC\\)\\); the (\\d+) lines? logged meanwhile follows?;"
            + " (\\d+) lines? \\((\\d+) bytes?\\) lost beyond what is kept \\(1000 lines or 1024 KiB\\)");

    @TempDir
    Path tmp;
    SmallDisk disk;
    final DaemonLogHold hold = new DaemonLogHold();
    HoldingLogStream stream;
    Path log;

    @BeforeEach
    void mount() throws Exception {
        disk = SmallDisk.mount(tmp.resolve("disk"), 2 * 1024 * 1024);
        log = disk.dir().resolve("taskmasterd.log");
        stream = new HoldingLogStream(log, 0640, hold);
    }

    @AfterEach
    void unmount() throws Exception {
        stream.close();
        disk.close();
    }

    private void entry(String text) {
        byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
        stream.write(b, 0, b.length);
    }

    /** Entries of 100 bytes: a full page takes 40 of them, and the tmpfs slack is at most one page. */
    private static String numbered(int i) {
        String head = "entry " + i + " ";
        return head + "x".repeat(99 - head.length());
    }

    @Test
    void linesTheFileCannotTakeWaitAndFollowAGapNotice() throws Exception {
        for (int cycle = 0; cycle < 3; cycle++) {
            int base = cycle * 1000;
            for (int i = 0; i < 10; i++) {
                entry(numbered(base + i));
            }
            disk.fill();
            for (int i = 10; i < 200; i++) {
                entry(numbered(base + i));
            }
            assertThat(hold.holding()).isTrue();
            disk.free();
            entry(numbered(base + 200)); // the next line writes what waits first
            assertThat(hold.holding()).isFalse();
        }
        List<String> entries = new ArrayList<>();
        int notices = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = NOTICE.matcher(line);
            if (m.matches()) {
                notices++;
                assertThat(m.group(2)).as("nothing lost: the hold is large enough").isEqualTo("0");
            } else {
                entries.add(line);
            }
        }
        assertThat(notices).isEqualTo(3);
        List<String> expected = new ArrayList<>();
        for (int cycle = 0; cycle < 3; cycle++) {
            for (int i = 0; i <= 200; i++) {
                expected.add(numbered(cycle * 1000 + i));
            }
        }
        // Every line, whole, once and in order.
        assertThat(entries).isEqualTo(expected);
        assertThat(hold.stalls()).isEqualTo(3);
        assertThat(hold.lostLines()).isZero();
    }

    /** Logback interrupts its appender thread when it stops, while the last lines are written. */
    @Test
    void anInterruptedWriterStillWritesAndTheFileStaysOpen() throws Exception {
        Thread.currentThread().interrupt();
        try {
            entry("while interrupted");
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is left for logback to see").isTrue();
        }
        entry("after");
        assertThat(hold.holding()).isFalse();
        assertThat(Files.readAllLines(log)).containsExactly("while interrupted", "after");
    }

    @Test
    void aQuietLogIsWrittenByTheRetryOnceThereIsRoom() throws Exception {
        entry("before");
        disk.fill();
        for (int i = 0; i < 100; i++) {
            entry(numbered(i));
        }
        assertThat(hold.holding()).isTrue();
        disk.free();
        Poll.until("the held lines written without a new one", () -> !hold.holding());
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.getFirst()).isEqualTo("before");
        assertThat(lines.stream().filter(l -> NOTICE.matcher(l).matches())).hasSize(1);
        assertThat(lines.getLast()).isEqualTo(numbered(99));
    }

    @Test
    void whatDoesNotFitTheHoldIsCountedExactly() throws Exception {
        disk.fill();
        entry(numbered(0)); // fits what is left of its page, if anything
        for (int i = 1; i < 3000; i++) {
            entry(numbered(i));
        }
        int held = hold.heldEntries();
        assertThat(held).isEqualTo(DaemonLogHold.MAX_ENTRIES);
        disk.free();
        entry("after");
        List<String> lines = Files.readAllLines(log);
        Matcher m = lines.stream().map(NOTICE::matcher).filter(Matcher::matches).findFirst().orElseThrow();
        assertThat(m.group(1)).isEqualTo(String.valueOf(DaemonLogHold.MAX_ENTRIES));
        long written = lines.stream().filter(l -> l.startsWith("entry ")).count();
        assertThat(Long.parseLong(m.group(2))).as("lost = all - written").isEqualTo(3000 - written);
        assertThat(Long.parseLong(m.group(3))).isEqualTo((3000 - written) * 100);
        assertThat(hold.lostLines()).isEqualTo(3000 - written);
        assertThat(lines.getLast()).isEqualTo("after");
    }
}
