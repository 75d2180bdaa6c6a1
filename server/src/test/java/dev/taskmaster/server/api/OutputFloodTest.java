package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.RotatingLogFileTest;
import dev.taskmaster.server.output.StdStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real program pours out awkward output (lines from empty to 200 KB, longer than a read and
 * than what a failed write can take back, bytes next to '\n' in value, no newline at the end)
 * through rotations, with a viewer attached from before it starts: the log files, the viewer
 * and the counters each get every byte once, and the lines counted are the newlines written.
 * Guards the word-at-a-time newline scanning of the output path ({@code output.Newlines}).
 */
class OutputFloodTest {

    private static final long MAX_BYTES = 512 * 1024;
    private static final Pattern STAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ");

    @TempDir
    Path tmp;

    /** About {@code size} bytes of lines the scanner could get wrong; the last line has no newline. */
    private static byte[] awkward(long seed, int size) {
        Random r = new Random(seed);
        byte[] alphabet = {'a', 'Z', '0', 0x0b, 0x09, 0x00, (byte) 0x8a, (byte) 0x8b, (byte) 0xff, 0x7f, (byte) 0x80};
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 300_000);
        while (out.size() < size) {
            int len = switch (r.nextInt(20)) {
                case 0 -> 0;
                case 1 -> 70_000 + r.nextInt(130_000); // longer than a failed write takes back, across reads
                default -> r.nextInt(200);
            };
            for (int i = 0; i < len; i++) {
                out.write(alphabet[r.nextInt(alphabet.length)]);
            }
            out.write('\n');
        }
        out.writeBytes("no newline at the end".getBytes());
        return out.toByteArray();
    }

    private static long newlines(byte[] b) {
        long n = 0;
        for (byte x : b) {
            n += x == '\n' ? 1 : 0;
        }
        return n;
    }

    private static byte[] logged(Path log) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Path> files = RotatingLogFileTest.files(log);
        assertThat(files.size()).as("rotations of %s", log).isGreaterThan(10);
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            if (!f.equals(log)) {
                assertThat(b[b.length - 1]).as("%s ends with a whole line", f).isEqualTo((byte) '\n');
            }
            all.writeBytes(b);
        }
        return all.toByteArray();
    }

    private static void assertSameBytes(String what, byte[] got, byte[] want) {
        int at = Arrays.mismatch(got, want);
        assertThat(at).as("%s: first difference at byte %d of %d (expected %d bytes)", what, at, got.length, want.length)
                .isEqualTo(-1);
    }

    private ProcessOutput flood(LiveDaemon d, byte[] content, Attached viewer) throws Exception {
        d.engine.start(List.of("flood")).get(10, TimeUnit.SECONDS);
        d.await("flood", ProcessState.EXITED);
        ProcessOutput out = d.outputs.of("flood");
        LiveDaemon.until("all output read", 30_000, () -> out.ring().end(OffsetSpace.COMBINED) == content.length);
        LiveDaemon.until("the viewer has every byte", 30_000, () -> viewer.bytesReceived() >= content.length);
        return out;
    }

    @Test
    void awkwardOutputThroughRotationsReachesLogViewerAndCountersOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dir = Files.createDirectories(tmp.resolve("round" + round));
            byte[] content = awkward(round, 12 * 1024 * 1024);
            Path src = dir.resolve("content.bin");
            Files.write(src, content);
            try (LiveDaemon d = new LiveDaemon(dir, """
                    programs:
                      flood:
                        cmd: "cat %s"
                        autostart: false
                        starttime: 0
                        autorestart: never
                        logfile_maxbytes: %d
                        logfile_backups: 1000
                        output_buffer: 32MB
                    """.formatted(src, MAX_BYTES))) {
                Attached viewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("flood").build(), false);
                viewer.sessionId();
                ProcessOutput out = flood(d, content, viewer);
                assertThat(viewer.bytesReceived()).isEqualTo(content.length);
                assertThat(out.bytesRead(StdStream.STDOUT)).isEqualTo(content.length);
                assertThat(out.linesRead(StdStream.STDOUT)).isEqualTo(newlines(content));
                assertSameBytes("the logs, oldest first", logged(d.dir.resolve("logs/flood.stdout.log")), content);
                viewer.cancel();
            }
        }
    }

    @Test
    void timestampedLogsHoldEveryLineOnceWithOneStampEach() throws Exception {
        byte[] content = awkward(99, 8 * 1024 * 1024);
        Path src = tmp.resolve("content.bin");
        Files.write(src, content);
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  flood:
                    cmd: "cat %s"
                    autostart: false
                    starttime: 0
                    autorestart: never
                    logfile_maxbytes: %d
                    logfile_backups: 1000
                    logfile_timestamps: true
                    output_buffer: 32MB
                """.formatted(src, MAX_BYTES))) {
            Attached viewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("flood").build(), false);
            viewer.sessionId();
            ProcessOutput out = flood(d, content, viewer);
            assertThat(out.linesRead(StdStream.STDOUT)).isEqualTo(newlines(content));
            byte[] stamped = logged(d.dir.resolve("logs/flood.stdout.log"));
            // Take one stamp off the start of every line: what remains is the output, byte for byte.
            ByteArrayOutputStream raw = new ByteArrayOutputStream(content.length);
            int lines = 0;
            for (int i = 0; i < stamped.length; ) {
                String head = new String(stamped, i, Math.min(25, stamped.length - i), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(STAMP.matcher(head).lookingAt()).as("line %d starts with a timestamp: %s", lines, head).isTrue();
                i += 25;
                int end = i;
                while (end < stamped.length && stamped[end] != '\n') {
                    end++;
                }
                end = Math.min(stamped.length, end + 1);
                raw.write(stamped, i, end - i);
                i = end;
                lines++;
            }
            assertSameBytes("the logs without their stamps", raw.toByteArray(), content);
            viewer.cancel();
        }
    }
}
