package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class RotatingLogFileTest {

    @TempDir
    Path tmp;

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The backups, oldest first, then the live file. */
    public static List<Path> files(Path log) {
        List<Path> out = new ArrayList<>();
        for (int i = 1000; i >= 1; i--) {
            Path b = log.resolveSibling(log.getFileName() + "." + i);
            if (Files.exists(b)) {
                out.add(b);
            }
        }
        out.add(log);
        return out;
    }

    static String concatenated(Path log) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path f : files(log)) {
            all.write(Files.readAllBytes(f));
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    void randomlyChunkedLinesSurviveManyRotationsWholeAndInOrder() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 5; round++) {
            Path log = tmp.resolve("round" + round + "/out.log");
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                expected.append("line ").append(i).append(" ").append("x".repeat(random.nextInt(40))).append('\n');
            }
            byte[] all = expected.toString().getBytes(StandardCharsets.UTF_8);
            try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(4096, 1000, false))) {
                for (int pos = 0; pos < all.length; ) {
                    int n = Math.min(all.length - pos, 1 + random.nextInt(9000));
                    f.write(ByteBuffer.wrap(all, pos, n));
                    pos += n;
                }
            }
            List<Path> files = files(log);
            assertThat(files.size()).as("rotations").isGreaterThan(50);
            assertThat(concatenated(log)).isEqualTo(expected.toString());
            for (Path p : files.subList(0, files.size() - 1)) {
                String content = Files.readString(p);
                assertThat(content).as("%s ends with a whole line", p).endsWith("\n");
                assertThat(content.charAt(0)).as("%s starts a line", p).isEqualTo('l');
                // A line that arrived in pieces is finished where it started: at most one line over the limit.
                assertThat(content.length()).as("%s size", p).isLessThanOrEqualTo(4096 + 60);
            }
        }
    }

    @Test
    void wholeLinesThatArriveWholeNeverOverfillAFile() throws IOException {
        Path log = tmp.resolve("exact.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(100, 100, false))) {
            for (int i = 0; i < 100; i++) {
                f.write(bytes("0123456789012345678901234567890123456789\n")); // 41 bytes: two per file
            }
        }
        for (Path p : files(log)) {
            assertThat(Files.size(p)).isIn(0L, 41L, 82L);
        }
    }

    @Test
    void aLineLongerThanTheLimitIsSplitAndMarked() throws IOException {
        Path log = tmp.resolve("long.log");
        String longLine = "a".repeat(250) + "\n";
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(100, 10, false))) {
            f.write(bytes("short\n"));
            f.write(bytes(longLine));
            f.write(bytes("after\n"));
        }
        List<Path> files = files(log);
        assertThat(files).hasSize(4);
        assertThat(Files.readString(files.get(0))).isEqualTo("short\n");
        assertThat(Files.readString(files.get(1))).isEqualTo("a".repeat(100) + RotatingLogFile.SPLIT_MARK);
        assertThat(Files.readString(files.get(2))).isEqualTo("a".repeat(100) + RotatingLogFile.SPLIT_MARK);
        assertThat(Files.readString(files.get(3))).isEqualTo("a".repeat(50) + "\nafter\n");
        // Without the marks, the bytes are exactly what was written.
        assertThat(concatenated(log).replace(RotatingLogFile.SPLIT_MARK, "")).isEqualTo("short\n" + longLine + "after\n");
    }

    @Test
    void oldBackupsBeyondTheCountAreDeleted() throws IOException {
        Path log = tmp.resolve("few.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(10, 2, false))) {
            for (int i = 0; i < 10; i++) {
                f.write(bytes("line-" + i + "...\n")); // 11 bytes: one per file
            }
        }
        assertThat(files(log)).hasSize(3);
        assertThat(Files.readString(log.resolveSibling("few.log.2"))).isEqualTo("line-7...\n");
        assertThat(Files.readString(log.resolveSibling("few.log.1"))).isEqualTo("line-8...\n");
        assertThat(Files.readString(log)).isEqualTo("line-9...\n");
    }

    @Test
    void noBackupsMeansTheFileStartsAgain() throws IOException {
        Path log = tmp.resolve("none.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(10, 0, false))) {
            f.write(bytes("first....\n"));
            f.write(bytes("second...\n"));
        }
        assertThat(files(log)).containsExactly(log);
        assertThat(Files.readString(log)).isEqualTo("second...\n");
    }

    @Test
    void timestampsStartEveryLineButNotTheRestOfAPartialOne() throws IOException {
        Path log = tmp.resolve("ts.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, true))) {
            f.write(bytes("one\ntw"));
            f.write(bytes("o\nthree\n"));
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);
        String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";
        assertThat(lines.get(0)).matches(stamp + "one");
        assertThat(lines.get(1)).matches(stamp + "two");
        assertThat(lines.get(2)).matches(stamp + "three");
    }

    @Test
    void reopenAfterAnExternalMoveStartsANewFile() throws IOException {
        Path log = tmp.resolve("moved.log");
        Path moved = tmp.resolve("moved.log.old");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
            f.write(bytes("before\n"));
            Files.move(log, moved);
            f.reopen();
            assertThat(log).exists();
            f.write(bytes("after\n"));
        }
        assertThat(Files.readString(moved)).isEqualTo("before\n");
        assertThat(Files.readString(log)).isEqualTo("after\n");
    }

    @Test
    void aDeletedFileIsRecreatedNotWrittenIntoTheVoid() throws IOException {
        Path log = tmp.resolve("deleted.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(1000, 3, false))) {
            for (int round = 0; round < 3; round++) {
                f.write(bytes("before " + round + "\n"));
                Files.delete(log);
                f.write(bytes("after " + round + "\n"));
                assertThat(Files.readString(log)).isEqualTo("after " + round + "\n");
            }
            // A whole deleted directory comes back too.
            Path dir = tmp.resolve("gone");
            try (RotatingLogFile g = new RotatingLogFile(dir.resolve("x.log"), new RotatingLogFile.Settings(0, 0, false))) {
                Files.delete(dir.resolve("x.log"));
                Files.delete(dir);
                g.write(bytes("back\n"));
            }
            assertThat(Files.readString(dir.resolve("x.log"))).isEqualTo("back\n");
        }
    }

    @Test
    void clearEmptiesTheFileAndKeepsBackups() throws IOException {
        Path log = tmp.resolve("clear.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(10, 5, false))) {
            f.write(bytes("first....\n"));
            f.write(bytes("second...\n"));
            f.clear();
            assertThat(Files.size(log)).isZero();
            f.write(bytes("third\n"));
        }
        assertThat(Files.readString(log)).isEqualTo("third\n");
        assertThat(Files.readString(log.resolveSibling("clear.log.1"))).isEqualTo("first....\n");
    }

    private static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** 0660, not 0640: the umask (022 here) would make 0640 of it if the mode were only asked for at creation. */
    @Test
    void everyFileItCreatesHasExactlyItsModeRotationsIncluded() throws IOException {
        Path log = tmp.resolve("modes/out.log");
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(10, 2, false, 0660))) {
            for (int i = 0; i < 5; i++) {
                f.write(bytes("line " + i + "\n"));
            }
        }
        assertThat(files(log)).hasSize(3);
        for (Path file : files(log)) {
            assertThat(mode(file)).as(file.toString()).isEqualTo("rw-rw----");
        }
    }

    @Test
    void anExistingFileIsTightenedWhenOpenedAndWhenTheModeChanges() throws IOException {
        Path log = Files.writeString(tmp.resolve("old.log"), "before\n");
        Files.setPosixFilePermissions(log, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        try (RotatingLogFile f = new RotatingLogFile(log, new RotatingLogFile.Settings(0, 0, false))) {
            assertThat(mode(log)).isEqualTo("rw-r-----");
            Files.setPosixFilePermissions(log, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            f.reopen(); // SIGUSR2
            assertThat(mode(log)).isEqualTo("rw-r-----");
            f.settings(new RotatingLogFile.Settings(0, 0, false, 0600)); // a reload with a new logfile_mode
            assertThat(mode(log)).isEqualTo("rw-------");
            f.write(bytes("after\n"));
        }
        assertThat(Files.readString(log)).isEqualTo("before\nafter\n");
    }
}
