package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.RotatingLogFile;
import dev.taskmaster.server.output.RotatingLogFileTest;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real programs printing flat out: nothing lost through rotations, and a stalled viewer holds nothing up. */
class OutputIntegrityTest {

    @TempDir
    Path tmp;

    @Test
    void numberedLinesAtFullSpeedSurviveDozensOfRotationsExactlyOnceInOrder() throws Exception {
        int lines = 300_000;
        int runs = 3;
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  count:
                    cmd: "seq 1 %d"
                    starttime: 0
                    autorestart: never
                    logfile_maxbytes: 40KB
                    logfile_backups: 1000
                """.formatted(lines))) {
            StringBuilder one = new StringBuilder();
            for (int i = 1; i <= lines; i++) {
                one.append(i).append('\n');
            }
            long perRun = one.length();
            for (int run = 1; run <= runs; run++) {
                if (run > 1) {
                    d.engine.start(List.of("count")).get(10, TimeUnit.SECONDS);
                }
                d.await("count", ProcessState.EXITED);
                long expected = perRun * run;
                // The exit can be reported before the pump has read the last bytes: wait for them.
                LiveDaemon.until("all output of run " + run, 20_000,
                        () -> d.outputs.of("count").ring().end(OffsetSpace.COMBINED) == expected);
            }
            Path log = d.dir.resolve("logs/count.stdout.log");
            List<Path> files = RotatingLogFileTest.files(log);
            assertThat(files.size()).as("rotations").isGreaterThan(100);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Path f : files) {
                byte[] b = Files.readAllBytes(f);
                if (!f.equals(log)) {
                    assertThat(b[b.length - 1]).as("%s ends with a whole line", f).isEqualTo((byte) '\n');
                    // RotatingLogFile: "When a line arrives in pieces and the limit is crossed in its
                    // middle, the line is finished in the current file first, so a file can exceed the
                    // limit by less than one line": its last line began within the limit.
                    int lastLineStart = b.length - 1;
                    while (lastLineStart > 0 && b[lastLineStart - 1] != '\n') {
                        lastLineStart--;
                    }
                    assertThat((long) lastLineStart).as("%s: where its last line begins, within the limit", f)
                            .isLessThan(40 * 1024);
                    assertThat((long) b.length).as("%s is within the limit but for the end of its last line", f)
                            .isLessThanOrEqualTo(40 * 1024 + String.valueOf(lines).length());
                }
                all.writeBytes(b);
            }
            String text = all.toString(StandardCharsets.US_ASCII);
            assertThat(text).doesNotContain(RotatingLogFile.SPLIT_MARK.strip());
            // Every number exactly once per run, in order: compared line by line for a readable failure.
            String[] got = text.split("\n", -1);
            assertThat(got.length).isEqualTo(lines * runs + 1);
            for (int i = 0; i < lines * runs; i++) {
                if (!got[i].equals(String.valueOf(i % lines + 1))) {
                    throw new AssertionError("line " + i + " is \"" + got[i] + "\", expected " + (i % lines + 1));
                }
            }
        }
    }

    @Test
    void aViewerThatReadsNothingNeitherSlowsTheProgramNorHoldsMemoryAndIsSkippedAhead() throws Exception {
        long total = 200_000_000L;
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  big:
                    cmd: "sh -c 'yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c %d; echo; echo DONE; read x; echo LIVE-$x; sleep 60'"
                    starttime: 0
                    stopsignal: KILL
                    logfile_maxbytes: 20MB
                    logfile_backups: 0
                """.formatted(total))) {
            d.await("big", ProcessState.RUNNING);
            long baseline = usedHeapAfterGc();
            Attached stalled = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("big").build(), true);
            String session = stalled.sessionId();
            long t0 = System.nanoTime();
            LiveDaemon.until("200 MB to go through", 90_000,
                    () -> d.outputs.of("big").ring().end(OffsetSpace.COMBINED) >= total + 6);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // The viewer got nothing but its first message, and nothing piled up for it.
            assertThat(stalled.messages).hasSize(1);
            long held = usedHeapAfterGc() - baseline;
            assertThat(held).as("heap grown while 200 MB passed a stalled viewer (%.1f s)", seconds)
                    .isLessThan(64L * 1024 * 1024);
            // It reads again: told what it missed, then the newest output, then live output.
            stalled.request(1_000_000);
            stalled.awaitText("DONE\n");
            AttachOutputResponse skip = stalled.messages.stream().filter(AttachOutputResponse::hasSkipped).findFirst()
                    .orElseThrow();
            // It resumes within the last ring's worth (1 MiB) of the 200 MB; what it skipped is all it missed since attaching.
            assertThat(skip.getSkipped().getResumeOffset()).isGreaterThan(total - 2 * 1024 * 1024);
            assertThat(skip.getSkipped().getBytesSkipped()).isGreaterThan(total / 2);
            long firstChunk = stalled.messages.stream().filter(AttachOutputResponse::hasChunk).findFirst().orElseThrow()
                    .getChunk().getOffset();
            assertThat(firstChunk).isEqualTo(skip.getSkipped().getResumeOffset());
            d.stub().sendInput(SendInputRequest.newBuilder().setName("big")
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("go\n")).build());
            stalled.awaitText("LIVE-go\n");
            assertThat(session).isNotEmpty();
            stalled.cancel();
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
