package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.testkit.SmallDisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log file on a real file system that fills up (a 2 MiB tmpfs): a failed write leaves whole
 * lines in the file and says exactly which bytes are not there, so that the caller can write
 * them again (block) or count them (drop). Needs root, else skipped.
 */
class RotatingLogFileFullDiskTest {

    private static final Pattern LINE = Pattern.compile("line \\d+ x*");

    @TempDir
    Path tmp;
    SmallDisk disk;

    @BeforeEach
    void mount() throws Exception {
        disk = SmallDisk.mount(tmp.resolve("disk"), 2 * 1024 * 1024);
    }

    @AfterEach
    void unmount() throws Exception {
        disk.close();
    }

    /** Numbered lines of random lengths. */
    private static byte[] lines(Random random, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append("line ").append(i).append(' ').append("x".repeat(random.nextInt(60))).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code all} in random pieces; the disk fills every {@code fillEvery} pieces and is
     * freed a few pieces later. What a failed write did not put in the file is written again
     * after a marker once there is room, as on_log_full: block does. Returns how many writes failed.
     */
    private int writeThroughFullDisks(RotatingLogFile f, byte[] all, Random random, int fillEvery) throws IOException {
        ByteArrayOutputStream unwritten = new ByteArrayOutputStream();
        int failures = 0;
        int piece = 0;
        boolean full = false;
        for (int pos = 0; pos < all.length || unwritten.size() > 0; piece++) {
            if (!full && piece % fillEvery == fillEvery - 1) {
                disk.fill();
                full = true;
            } else if (full && piece % fillEvery == 3) {
                disk.free();
                full = false;
            }
            if (unwritten.size() > 0) {
                if (full) {
                    continue; // as a retry would: nothing goes in while full
                }
                f.writeMarker("[gap]");
                byte[] again = unwritten.toByteArray();
                unwritten.reset();
                RotatingLogFile.WriteFailed failed = catchThrowableOfType(RotatingLogFile.WriteFailed.class,
                        () -> f.write(ByteBuffer.wrap(again), this));
                assertThat(failed).as("a write with room").isNull();
                continue;
            }
            int n = Math.min(all.length - pos, 1 + random.nextInt(3000));
            ByteBuffer b = ByteBuffer.wrap(all, pos, n);
            try {
                f.write(b, this);
            } catch (RotatingLogFile.WriteFailed e) {
                failures++;
                assertThat(e.midLine()).as("lines this short are cut back").isFalse();
                unwritten.writeBytes(e.retracted());
                unwritten.write(all, pos + e.written(), n - e.written());
                full = true;
            }
            pos += n;
        }
        if (full) {
            disk.free();
        }
        return failures;
    }

    private static String withoutMarkers(String text) {
        return text.replace("[gap]\n", "");
    }

    @Test
    void aFailedWriteCutsItsLineBackAndSaysExactlyWhatIsMissing() throws IOException {
        for (int round = 0; round < 5; round++) {
            Random random = new Random(round);
            Path log = disk.dir().resolve("out" + round + ".log");
            byte[] all = lines(random, 8000);
            int failures;
            try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
                failures = writeThroughFullDisks(f, all, random, 40);
            }
            assertThat(failures).as("writes that met a full disk").isGreaterThan(3);
            String text = Files.readString(log);
            // Every byte, in order, once: the markers are the only thing added.
            assertThat(withoutMarkers(text)).isEqualTo(new String(all, StandardCharsets.UTF_8));
            // And whole lines on both sides of every gap: a marker always starts a line.
            for (String line : text.split("\n")) {
                assertThat(line.equals("[gap]") || LINE.matcher(line).matches()).as("a whole line: %s", line).isTrue();
            }
            Files.delete(log);
        }
    }

    @Test
    void theSameWithRotationsAndTimestamps() throws IOException {
        Random random = new Random(7);
        Path log = disk.dir().resolve("rot.log");
        byte[] all = lines(random, 8000);
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(16 * 1024, 1000, true))) {
            assertThat(writeThroughFullDisks(f, all, random, 40)).isGreaterThan(3);
        }
        StringBuilder text = new StringBuilder();
        for (Path p : RotatingLogFileTest.files(log)) {
            text.append(Files.readString(p));
        }
        String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";
        for (String line : text.toString().split("\n")) {
            assertThat(line.equals("[gap]") || line.matches(stamp + LINE.pattern())).as("a whole, stamped line: %s", line).isTrue();
        }
        assertThat(withoutMarkers(text.toString()).replaceAll("(?m)^" + stamp, ""))
                .isEqualTo(new String(all, StandardCharsets.UTF_8));
    }

    @Test
    void aLineTooLongToKeepIsEndedByTheMarker() throws IOException {
        Path log = disk.dir().resolve("long.log");
        byte[] head = ("short\n" + "y".repeat(RotatingLogFile.CARRY_LIMIT + 10)).getBytes(StandardCharsets.US_ASCII);
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
            f.write(ByteBuffer.wrap(head), this);
            disk.fill();
            byte[] rest = "y".repeat(8192).getBytes(StandardCharsets.US_ASCII);
            RotatingLogFile.WriteFailed e = catchThrowableOfType(RotatingLogFile.WriteFailed.class,
                    () -> f.write(ByteBuffer.wrap(rest), this));
            assertThat(e).isNotNull();
            assertThat(e.midLine()).as("its start is no longer in memory").isTrue();
            assertThat(e.retracted()).isEmpty();
            disk.free();
            f.writeMarker("[gap]");
            f.write(ByteBuffer.wrap(rest, e.written(), rest.length - e.written()), this);
            f.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.US_ASCII)), this);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("short");
        assertThat(lines.get(2)).isEqualTo("[gap]");
        assertThat(lines.get(1).length() + lines.get(3).length()).isEqualTo(RotatingLogFile.CARRY_LIMIT + 10 + 8192);
    }

    @Test
    void aMarkerThatDoesNotFitLeavesNothingOfItself() throws IOException {
        Path log = disk.dir().resolve("m.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
            f.write(ByteBuffer.wrap("x".repeat(4000).concat("\n").getBytes(StandardCharsets.US_ASCII)), this);
            disk.fill();
            String marker = "[" + "m".repeat(300) + "]";
            assertThat(catchThrowableOfType(IOException.class, () -> f.writeMarker(marker))).isNotNull();
            assertThat(Files.size(log)).isEqualTo(4001);
            disk.free();
            f.writeMarker(marker);
        }
        assertThat(Files.readString(log)).isEqualTo("x".repeat(4000) + "\n" + "[" + "m".repeat(300) + "]\n");
    }

    @Test
    void anotherWritersUnfinishedLineIsNotTakenBack() throws IOException {
        Path log = disk.dir().resolve("shared.log");
        Object other = new Object();
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
            f.write(ByteBuffer.wrap("y".repeat(4000).getBytes(StandardCharsets.US_ASCII)), other);
            disk.fill();
            RotatingLogFile.WriteFailed e = catchThrowableOfType(RotatingLogFile.WriteFailed.class,
                    () -> f.write(ByteBuffer.wrap("z".repeat(8192).getBytes(StandardCharsets.US_ASCII)), this));
            assertThat(e.retracted()).as("not this writer's bytes").isEmpty();
            assertThat(e.midLine()).isTrue();
        }
        assertThat(Files.readString(log)).startsWith("y".repeat(4000));
    }
}
