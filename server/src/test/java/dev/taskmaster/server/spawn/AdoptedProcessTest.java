package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.testkit.Poll;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The pid of an adopted process is not the daemon's to hold: its parent reaps it, and the pid can
 * go to another process at any moment. Real processes; each is killed by pid afterwards.
 */
class AdoptedProcessTest {

    static final Duration LIMIT = Duration.ofSeconds(20);

    private ChildWatcher watcher;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        watcher = new ChildWatcher();
    }

    @AfterEach
    void close() throws Exception {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        watcher.close();
    }

    private Process start(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    // Review finding 4: between the check (pid and start time read) and pidfd_open, the pid may
    // have gone to another process. The pidfd then is that one's: refused, never watched.
    @RepeatedTest(3)
    void aPidNowNamingAnotherProcessIsNotAdopted() throws Exception {
        Process sleep = start("exec sleep 600");
        int pid = (int) sleep.pid();
        Poll.until("its stat readable", LIMIT, () -> ProcStat.of(pid).isPresent());
        long ticks = ProcStat.of(pid).orElseThrow().startTicks();
        // The process checked started at another time than the one that has the pid now.
        assertThatThrownBy(() -> AdoptedProcess.watch(watcher, pid, ticks - 1, KillMode.PROCESS, o -> { }))
                .isInstanceOf(SpawnException.class)
                .hasMessage("no process with pid " + pid + " (it has ended; the pid now names another process)");
        assertThat(watcher.isWatched(pid)).isFalse();
        // The same process, by its own start time, is adopted.
        AdoptedProcess.watch(watcher, pid, ticks, KillMode.PROCESS, o -> { });
    }

    // Review finding 1: at an adopted group leader's end, what is left of its group is SIGKILLed
    // only while the group id can mean nothing else: no process has the pid (the group's members
    // keep it from reuse), or it is still the very process, a zombie. A live process with that
    // pid (a reused pid, which may lead a group of its own) is never the target.
    @Test
    void theGroupIsKilledOnlyWhileItsIdCannotBeAnotherProcesss() throws Exception {
        // A zombie: the child of a process (sleep) that never reaps.
        Process parent = start("sleep 0 & echo $!; exec sleep 600");
        int zombie = Integer.parseInt(new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.UTF_8)).readLine().strip());
        Poll.until("the zombie", LIMIT, () -> ProcStat.of(zombie).map(ProcStat::isZombie).orElse(false));
        long zombieTicks = ProcStat.of(zombie).orElseThrow().startTicks();
        assertThat(AdoptedProcess.groupIsStillOf(zombie, zombieTicks)).as("the same zombie").isTrue();
        assertThat(AdoptedProcess.groupIsStillOf(zombie, zombieTicks + 1)).as("a zombie of another start").isFalse();

        int live = (int) parent.pid();
        long liveTicks = ProcStat.of(live).orElseThrow().startTicks();
        assertThat(AdoptedProcess.groupIsStillOf(live, liveTicks)).as("a live process (its pid reused)").isFalse();
        assertThat(AdoptedProcess.groupIsStillOf(live, liveTicks - 1)).as("a live process of another start").isFalse();

        // Above pid_max: no process has it.
        assertThat(AdoptedProcess.groupIsStillOf(Integer.MAX_VALUE, zombieTicks)).as("no process has the pid").isTrue();
    }
}
