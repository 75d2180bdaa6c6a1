package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.LogFullPolicy;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.testkit.Poll;
import dev.taskmaster.testkit.SmallDisk;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance's output through a log on a real file system that fills and empties again (a 2
 * MiB tmpfs), under each {@code on_log_full}, the test playing the output pump. Needs root,
 * else skipped.
 */
class ProcessOutputFullDiskTest {

    private static final Pattern LINE = Pattern.compile("line (\\d+) x*");
    private static final Pattern MARKER = Pattern.compile("\\[taskmaster: prog stdout could not be written from \\S+ for"
            + " [0-9.]+ s: no space left on device \\(ENOSPC\\); on_log_full: (block|drop); (\\d+) lines? \\((\\d+) bytes?\\) lost]");

    @TempDir
    Path tmp;
    SmallDisk disk;
    final LogFiles files = new LogFiles();
    final LogRetries retries = new LogRetries();
    final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    final AtomicLong sequence = new AtomicLong();
    ProcessOutput out;
    Path log;

    @BeforeEach
    void mount() throws Exception {
        disk = SmallDisk.mount(tmp.resolve("disk"), 2 * 1024 * 1024);
        retries.journal(e -> events.add(e.create(sequence.incrementAndGet(), Instant.now())));
        out = new ProcessOutput("prog", files, 64 * 1024, retries);
        log = disk.dir().resolve("prog.log");
    }

    @AfterEach
    void unmount() throws Exception {
        retries.close();
        files.closeAll();
        disk.close();
    }

    private static byte[] lines(Random random, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append("line ").append(i).append(' ').append("x".repeat(random.nextInt(50))).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** As a pipe delivers: large batches from a flood, and small ones that often end inside a line. */
    private static int piece(Random random) {
        return 1 + (random.nextBoolean() ? random.nextInt(40) : random.nextInt(4000));
    }

    private <T extends EngineEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void blockHoldsThePipeAndLosesNothingThroughFullDisks() throws Exception {
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.BLOCK);
        ProcessOutput.Run.Sink sink = out.beginRun(false).sink(StdStream.STDOUT);
        Random random = new Random(1);
        byte[] all = lines(random, 30_000);
        AtomicInteger resumed = new AtomicInteger();
        Runnable resume = resumed::incrementAndGet;
        int cycles = 0;
        for (int pos = 0, piece = 0; pos < all.length; piece++) {
            if (piece % 100 == 50) {
                disk.fill();
            }
            int n = Math.min(all.length - pos, piece(random));
            boolean more = sink.write(ByteBuffer.wrap(all, pos, n), resume);
            pos += n;
            if (!more) {
                // The pump stops reading here, so the program waits in its writes: no more output until resumed.
                cycles++;
                int before = resumed.get();
                int stops = cycles;
                assertThat(out.logWritingStopped()).contains("no space left on device (ENOSPC)");
                Poll.until("the stop reported", () -> events(EngineEvent.LogWritingStopped.class).size() == stops);
                assertThat(resumed.get()).as("not resumed while the disk is full").isEqualTo(before);
                disk.free();
                Poll.until("the pipe resumed", () -> resumed.get() == before + 1);
                assertThat(out.logWritingStopped()).isEmpty();
            }
        }
        sink.close();
        assertThat(cycles).as("fill/free cycles").isGreaterThanOrEqualTo(3);
        List<EngineEvent.LogWritingResumed> resumes = events(EngineEvent.LogWritingResumed.class);
        assertThat(resumes).hasSize(cycles).allSatisfy(r -> {
            assertThat(r.bytesLost()).isZero();
            assertThat(r.linesLost()).isZero();
            assertThat(r.policy()).isEqualTo(LogFullPolicy.BLOCK);
            assertThat(r.file()).isEqualTo(log);
        });
        // Every line, whole and in order; a marker at each gap, saying nothing was lost.
        List<String> expected = new ArrayList<>(List.of(new String(all, StandardCharsets.UTF_8).split("\n")));
        List<String> got = new ArrayList<>();
        int markers = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = MARKER.matcher(line);
            if (m.matches()) {
                markers++;
                assertThat(m.group(1)).isEqualTo("block");
                assertThat(m.group(2)).isEqualTo("0");
                assertThat(m.group(3)).isEqualTo("0");
            } else {
                got.add(line);
            }
        }
        assertThat(markers).isEqualTo(cycles);
        assertThat(got).isEqualTo(expected);
        assertThat(out.bytesDropped()).isZero();
        assertThat(out.linesDropped()).isZero();
        assertThat(out.logStalls()).isEqualTo(cycles);
        assertThat(out.timeBlocked()).isPositive();
    }

    @Test
    void dropKeepsReadingAndCountsEveryLostLineExactly() throws Exception {
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.DROP);
        ProcessOutput.Run.Sink sink = out.beginRun(false).sink(StdStream.STDOUT);
        Random random = new Random(2);
        byte[] all = lines(random, 30_000);
        Runnable resume = () -> {
            throw new AssertionError("drop never holds a pipe");
        };
        int cycles = 0;
        int[] pos = {0};
        java.util.function.BooleanSupplier feed = () -> {
            int n = Math.min(all.length - pos[0], piece(random));
            assertThat(sink.write(ByteBuffer.wrap(all, pos[0], n), resume)).as("drop reads on").isTrue();
            pos[0] += n;
            return pos[0] < all.length;
        };
        while (pos[0] < all.length) {
            for (int i = 0; i < 10 && feed.getAsBoolean(); i++) {
                // written normally
            }
            disk.fill();
            for (int i = 0; i < 10 && feed.getAsBoolean(); i++) {
                // the disk fills in these; what does not fit is dropped
            }
            if (out.logWritingStopped().isPresent()) {
                cycles++;
            }
            disk.free();
            // Writing resumes at the next line start once a try finds room: feed on, slowly, until it has.
            Poll.until("writing to resume", () -> out.logWritingStopped().isEmpty() || !feed.getAsBoolean());
        }
        sink.close();
        Poll.until("the last gap to end", () -> out.logWritingStopped().isEmpty());
        assertThat(cycles).isGreaterThanOrEqualTo(10);

        String[] expected = new String(all, StandardCharsets.UTF_8).split("\n");
        long lostLines = 0;
        long lostBytes = 0;
        int next = 0; // index in expected of the next line the file may hold
        long missingLines = 0;
        long missingBytes = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = MARKER.matcher(line);
            if (m.matches()) {
                assertThat(m.group(1)).isEqualTo("drop");
                lostLines += Long.parseLong(m.group(2));
                lostBytes += Long.parseLong(m.group(3));
                continue;
            }
            Matcher l = LINE.matcher(line);
            assertThat(l.matches()).as("a whole line: %s", line).isTrue();
            int i = Integer.parseInt(l.group(1));
            assertThat(i).as("in order").isGreaterThanOrEqualTo(next);
            assertThat(line).isEqualTo(expected[i]);
            for (int k = next; k < i; k++) {
                missingLines++;
                missingBytes += expected[k].length() + 1;
            }
            next = i + 1;
        }
        for (int k = next; k < expected.length; k++) {
            missingLines++;
            missingBytes += expected[k].length() + 1;
        }
        assertThat(missingLines).as("lines lost").isPositive();
        assertThat(lostLines).as("the markers count every lost line").isEqualTo(missingLines);
        assertThat(lostBytes).as("and every lost byte").isEqualTo(missingBytes);
        assertThat(out.linesDropped()).isEqualTo(missingLines);
        assertThat(out.bytesDropped()).isEqualTo(missingBytes);
        List<EngineEvent.LogWritingResumed> resumes = events(EngineEvent.LogWritingResumed.class);
        assertThat(resumes.stream().mapToLong(EngineEvent.LogWritingResumed::bytesLost).sum()).isEqualTo(missingBytes);
        assertThat(resumes.stream().mapToLong(EngineEvent.LogWritingResumed::linesLost).sum()).isEqualTo(missingLines);
        assertThat(events(EngineEvent.LogWritingStopped.class)).hasSameSizeAs(resumes);
        assertThat(out.timeBlocked()).isEqualTo(Duration.ZERO);
    }

    /** A file whose first page has exactly {@code room} bytes left, with the disk then full: the next write beyond fails. */
    private void fileWithRoom(ProcessOutput.Run.Sink sink, int room) throws Exception {
        String line = "x".repeat(4096 - room - 1) + "\n";
        assertThat(sink.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)), () -> { })).isTrue();
        disk.fill();
    }

    @Test
    void dropCutsBackTheLineBegunInAnEarlierBatchAndCountsItWhole() throws Exception {
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.DROP);
        ProcessOutput.Run.Sink sink = out.beginRun(false).sink(StdStream.STDOUT);
        fileWithRoom(sink, 3);
        Runnable never = () -> {
            throw new AssertionError("drop never holds a pipe");
        };
        assertThat(sink.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)), never)).isTrue(); // fits exactly
        assertThat(sink.write(ByteBuffer.wrap("def\nghi".getBytes(StandardCharsets.US_ASCII)), never)).isTrue();
        assertThat(out.logWritingStopped()).isPresent();
        disk.free();
        // "ghi" began a line whose start is lost: the rest of it is dropped too, then the marker goes in.
        assertThat(sink.write(ByteBuffer.wrap("jk\n".getBytes(StandardCharsets.US_ASCII)), never)).isTrue();
        Poll.until("writing to resume", () -> out.logWritingStopped().isEmpty());
        assertThat(sink.write(ByteBuffer.wrap("line\n".getBytes(StandardCharsets.US_ASCII)), never)).isTrue();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).hasSize(4096 - 3 - 1);
        // abc, def\n, ghi and the jk\n that ends its line: two lines, 13 bytes.
        assertThat(lines.get(1)).matches(MARKER.pattern()).endsWith("on_log_full: drop; 2 lines (13 bytes) lost]");
        assertThat(lines.get(2)).isEqualTo("line");
        assertThat(out.bytesDropped()).isEqualTo(13);
        assertThat(out.linesDropped()).isEqualTo(2);
    }

    @Test
    void blockWritesTheLineBegunInAnEarlierBatchWholeAfterTheMarker() throws Exception {
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.BLOCK);
        ProcessOutput.Run.Sink sink = out.beginRun(false).sink(StdStream.STDOUT);
        fileWithRoom(sink, 3);
        AtomicInteger resumed = new AtomicInteger();
        assertThat(sink.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)), resumed::incrementAndGet)).isTrue();
        assertThat(sink.write(ByteBuffer.wrap("def\nghi".getBytes(StandardCharsets.US_ASCII)), resumed::incrementAndGet)).isFalse();
        assertThat(Files.size(log)).as("cut back to the line start").isEqualTo(4096 - 3);
        disk.free();
        Poll.until("the pipe resumed", () -> resumed.get() == 1);
        assertThat(sink.write(ByteBuffer.wrap("jkl\n".getBytes(StandardCharsets.US_ASCII)), resumed::incrementAndGet)).isTrue();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).matches(MARKER.pattern()).endsWith("on_log_full: block; 0 lines (0 bytes) lost]");
        assertThat(lines.subList(2, 4)).containsExactly("abcdef", "ghijkl");
    }

    @Test
    void switchingToDropWhileHeldReleasesTheProgramAndCountsWhatWasHeld() throws Exception {
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.BLOCK);
        ProcessOutput.Run.Sink sink = out.beginRun(false).sink(StdStream.STDOUT);
        sink.write(ByteBuffer.wrap("first\n".getBytes(StandardCharsets.US_ASCII)), () -> { });
        disk.fill();
        AtomicInteger resumed = new AtomicInteger();
        byte[] held = "held back\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        assertThat(sink.write(ByteBuffer.wrap(held), resumed::incrementAndGet)).isFalse();
        // A reload sets on_log_full: drop, in place.
        out.configure(log, null, new RotatingLogFile.Settings(0, 0, false), 64 * 1024, LogFullPolicy.DROP);
        Poll.until("the program to be let go", () -> resumed.get() == 1);
        disk.free();
        Poll.until("writing to resume", () -> out.logWritingStopped().isEmpty());
        long inFile = Files.readAllLines(log).stream().filter(l -> l.equals("held back")).count();
        assertThat(out.linesDropped()).isEqualTo(1000 - inFile);
        assertThat(out.bytesDropped()).isEqualTo((1000 - inFile) * "held back\n".length());
        assertThat(events(EngineEvent.LogWritingResumed.class)).singleElement()
                .satisfies(r -> assertThat(r.policy()).isEqualTo(LogFullPolicy.DROP));
    }
}
