package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.NativeException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fd budget with made-up numbers: what a program holds, when a spawn is refused, and what it says. */
class DescriptorBudgetTest {

    @TempDir
    Path dir;

    /** A probe with a fixed limit and count; counts how often it was asked to count. */
    private static final class Numbers implements DescriptorBudget.Probe {
        long limit;
        int inUse;
        IOException countFails;
        final AtomicInteger counted = new AtomicInteger();

        Numbers(long limit, int inUse) {
            this.limit = limit;
            this.inUse = inUse;
        }

        @Override
        public long limit() {
            return limit;
        }

        @Override
        public int count() throws IOException {
            counted.incrementAndGet();
            if (countFails != null) {
                throw countFails;
            }
            return inUse;
        }
    }

    private ProgramSpec program(String settings) throws Exception {
        Config c = RealEngine.config(dir, "programs:\n  p:\n    cmd: sleep 1\n" + settings);
        return c.programs().getFirst();
    }

    @Test
    void whatOneRunningProcessHolds() throws Exception {
        // stdin's write end, the pidfd, and a pipe's read end plus a log file per captured stream.
        assertThat(DescriptorBudget.held(program(""))).isEqualTo(6);
        assertThat(DescriptorBudget.held(program("    redirect_stderr: true\n"))).isEqualTo(4);
        assertThat(DescriptorBudget.held(program("    stdout: none\n    stderr: none\n"))).isEqualTo(2);
        assertThat(DescriptorBudget.held(program("    stderr: none\n"))).isEqualTo(4);
        // The terminal's master, its duplicate for input, the pidfd, one log.
        assertThat(DescriptorBudget.held(program("    tty: true\n"))).isEqualTo(4);
        assertThat(DescriptorBudget.held(program("    tty: true\n    stdout: none\n"))).isEqualTo(3);
        // While it is spawned: the child's ends of the pipes, and a lookup or two.
        assertThat(DescriptorBudget.needed(program(""))).isEqualTo(6 + 3 + 2);
        assertThat(DescriptorBudget.needed(program("    tty: true\n"))).isEqualTo(4 + 2);
    }

    @Test
    void farFromTheLimitACountServesForASecond() throws Exception {
        ProgramSpec p = program("");
        Numbers n = new Numbers(10_000, 900);
        long[] now = {0};
        DescriptorBudget budget = new DescriptorBudget(64, n, () -> now[0]);
        budget.claim(p).close();
        assertThat(n.counted).hasValue(1);
        // 900 counted + 11 claimed since + 11 needed + 64 kept + 256 slack, far below 10,000.
        for (int i = 0; i < 100; i++) {
            budget.claim(p).close();
        }
        assertThat(n.counted).hasValue(1);
        now[0] += DescriptorBudget.RECOUNT_NANOS;
        budget.claim(p).close();
        assertThat(n.counted).hasValue(2);
        // What was claimed since the count brings the limit near: counted again.
        n.limit = 900 + 64 + DescriptorBudget.SLACK + 11 * 5;
        for (int i = 0; i < 4; i++) {
            budget.claim(p).close();
        }
        assertThat(n.counted).hasValue(2);
        budget.claim(p).close();
        assertThat(n.counted).hasValue(3);
    }

    @Test
    void nearTheLimitTheDescriptorsAreCountedAndTheReserveKept() throws Exception {
        ProgramSpec p = program("");
        // 256 - 64 kept - 11 needed: 181 in use is the most that still lets it start.
        Numbers n = new Numbers(256, 181);
        // Near the limit, every start counts again.
        DescriptorBudget budget = new DescriptorBudget(64, n);
        budget.claim(p).close();
        budget.claim(p).close();
        assertThat(n.counted).hasValue(2);

        n.inUse = 182;
        assertThatThrownBy(() -> budget.claim(p)).isInstanceOf(SpawnException.class)
                .hasMessage("too many open files: 182 of 256 in use, 11 needed, 64 kept for the daemon;"
                        + " raise LimitNOFILE / ulimit -n");

        // The limit is read each time: raised on the running daemon, the next start succeeds.
        n.limit = 4096;
        budget.claim(p).close();
    }

    @Test
    void startsUnderWayCountAsInUseUntilTheyAreOver() throws Exception {
        ProgramSpec p = program("");
        // 170 open; each start claims 11 until it is over; 64 kept.
        DescriptorBudget budget = new DescriptorBudget(64, new Numbers(256, 170));
        DescriptorBudget.Claim first = budget.claim(p);
        DescriptorBudget.Claim second = budget.claim(p);
        assertThatThrownBy(() -> budget.claim(p)).isInstanceOf(SpawnException.class)
                .hasMessageStartingWith("too many open files: 192 of 256 in use, 11 needed,");
        first.close();
        DescriptorBudget.Claim third = budget.claim(p);
        second.close();
        third.close();
        // All given back: as many fit at once as before.
        budget.claim(p).close();
        try (DescriptorBudget.Claim a = budget.claim(p); DescriptorBudget.Claim b = budget.claim(p)) {
            assertThat(a).isNotSameAs(b);
        }
    }

    @Test
    void aCountThatFailsForWantOfADescriptorIsTheAnswer() throws Exception {
        Numbers n = new Numbers(256, 0);
        n.countFails = new FileSystemException("/proc/self/status", null, "Too many open files");
        assertThatThrownBy(() -> new DescriptorBudget(64, n).claim(program(""))).isInstanceOf(SpawnException.class)
                .hasMessage("too many open files (/proc/self/status: Too many open files): all of 256 in use,"
                        + " 64 kept for the daemon; raise LimitNOFILE / ulimit -n");
    }

    @Test
    void emfileAndEnfileInASpawnSayWhichLimitToRaise() {
        DescriptorBudget budget = new DescriptorBudget(64, new Numbers(256, 250));
        assertThat(budget.shortage(new NativeException("pipe2", Errno.EMFILE))).hasValue(
                "too many open files (pipe2: EMFILE): 250 of 256 in use, 64 kept for the daemon; raise LimitNOFILE / ulimit -n");
        assertThat(budget.shortage(new NativeException("pidfd_open", Errno.ENFILE))).hasValue(
                "the system's open-file table is full (pidfd_open: ENFILE); raise fs.file-max (sysctl)");
        // The JDK's own exceptions carry strerror's text only.
        assertThat(budget.shortage(new IOException("/var/log/p.stdout.log: Too many open files in system")))
                .hasValueSatisfying(m -> assertThat(m).startsWith("the system's open-file table is full"));
        assertThat(budget.shortage(new IOException("/var/log/p.stdout.log: Too many open files")))
                .hasValueSatisfying(m -> assertThat(m).startsWith("too many open files (/var/log/p.stdout.log: "));
        assertThat(budget.shortage(new NativeException("pipe2", Errno.EACCES))).isEmpty();
        assertThat(budget.shortage(new IOException("/var/log/p.stdout.log: Permission denied (EACCES)"))).isEmpty();
    }

    @Test
    void atStartUpTheReserveMustBeThere() {
        assertThat(new DescriptorBudget(64, new Numbers(256, 60)).shortfall()).isEmpty();
        assertThat(new DescriptorBudget(64, new Numbers(100, 50)).shortfall()).hasValue(
                "too many open files: 50 of 100 in use before the API started, 64 kept for the daemon;"
                        + " raise LimitNOFILE / ulimit -n");
    }

    @Test
    void warnsWhenTheConfiguredProcessesCannotAllRun() throws Exception {
        Config c = RealEngine.config(dir, "programs:\n  web:\n    cmd: sleep 1\n    numprocs: 100\n"
                + "  quiet:\n    cmd: sleep 1\n    stdout: none\n    stderr: none\n    numprocs: 10\n");
        // 100 × 6 + 10 × 2 = 620 held, 60 in use, 64 kept: 744.
        assertThat(new DescriptorBudget(64, new Numbers(744, 60)).misfit(c.instances())).isEmpty();
        assertThat(new DescriptorBudget(64, new Numbers(743, 60)).misfit(c.instances())).hasValue(
                "the open-files limit 743 is too low for the configuration: its 110 processes hold about 620"
                        + " descriptors, 60 are in use and 64 are kept for the daemon; processes that do not fit will"
                        + " be FATAL (\"too many open files\"); raise LimitNOFILE / ulimit -n to at least 744");
    }
}
