package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /proc files read in three system calls give what a plain read gives, whole, from any thread. */
class ProcReadTest {

    @Test
    void aStatFileReadsAsAPlainReadOfItDoes() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) child.pid();
            String fast = ProcRead.text(pid, "stat").orElseThrow();
            String plain = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
            // Time goes on between the two reads, and the state with it (R while sleep starts, then
            // S: CI saw both); pid, parent, group, session and start time do not.
            assertThat(fast).endsWith("\n");
            assertThat(ProcStat.parse(pid, fast)).usingRecursiveComparison().ignoringFields("state")
                    .isEqualTo(ProcStat.parse(pid, plain));
            assertThat(fast.split(" ")).hasSameSizeAs(plain.split(" "));
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFileLargerThanTheBufferIsReadWhole() throws Exception {
        // The environment can be of any size: here well past the 4 KiB buffer.
        Process child = new ProcessBuilder("sleep", "30").start();
        ProcessBuilder big = new ProcessBuilder("sleep", "30");
        big.environment().put("BIG", "x".repeat(20_000));
        Process large = big.start();
        try {
            for (Process p : new Process[] {child, large}) {
                int pid = (int) p.pid();
                String plain = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.ISO_8859_1);
                assertThat(ProcRead.text(pid, "environ")).contains(plain);
            }
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            large.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsGoneReadsAsEmptyAndLeavesNoDescriptorOpen() throws Exception {
        int before = OpenDescriptors.count();
        for (int i = 0; i < 200; i++) {
            assertThat(ProcRead.text(Integer.MAX_VALUE, "stat")).isEmpty();
            assertThat(ProcRead.text(Posix.getpid(), "stat")).isPresent();
        }
        assertThat(OpenDescriptors.count()).isLessThanOrEqualTo(before + 2);
    }

    @Test
    void threadsReadingAtOnceEachGetTheirOwnFile() throws Exception {
        Process[] children = new Process[4];
        for (int i = 0; i < children.length; i++) {
            children[i] = new ProcessBuilder("sleep", "30").start();
        }
        try {
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
            for (Process c : children) {
                int pid = (int) c.pid();
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < 2_000; n++) {
                        if (ProcRead.text(pid, "stat").map(s -> ProcStat.parse(pid, s).pid() != pid || !s.startsWith(pid + " ("))
                                .orElse(true)) {
                            wrong.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(wrong).hasValue(0);
        } finally {
            for (Process c : children) {
                c.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
