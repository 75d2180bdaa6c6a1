package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.os.Signals;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code sleep} stopped and continued by signals sent from outside the engine (as
 * {@code kill -STOP} from a shell would): the state follows the kernel, once per change, and the
 * engine's own pause and resume are not doubled by the kernel's reports of them.
 */
class OutsideStopTest {

    @TempDir
    Path tmp;

    private static long transitions(RealEngine e, ProcessState from, ProcessState to) {
        return e.journal.since(0).stream().filter(ev -> ev instanceof EngineEvent.StateChanged c && c.process().equals("s")
                && c.from() == from && c.to() == to).count();
    }

    @RepeatedTest(10)
    void killStopAndContFromOutsideAreSeen() throws Exception {
        try (RealEngine e = new RealEngine(tmp, "programs:\n  s: {cmd: sleep 300, starttime: 0}\n")) {
            int pid = e.await("s", ProcessState.RUNNING).pid();
            for (int i = 1; i <= 3; i++) {
                Signals.kill(pid, Signals.SIGSTOP);
                assertThat(e.await("s", ProcessState.PAUSED).stateSince()).isNotNull();
                Signals.kill(pid, Signals.SIGCONT);
                e.await("s", ProcessState.RUNNING);
                int round = i;
                e.until("round " + i + " counted once", all -> transitions(e, ProcessState.PAUSED, ProcessState.RUNNING) == round);
                assertThat(transitions(e, ProcessState.RUNNING, ProcessState.PAUSED)).isEqualTo(i);
            }
            assertThat(e.journal.since(0).stream().filter(ev -> ev instanceof EngineEvent.StateChanged c
                    && c.to() == ProcessState.PAUSED).map(ev -> ((EngineEvent.StateChanged) ev).reason()).distinct().toList())
                    .containsExactly("stopped by SIGSTOP from outside");
        }
    }

    @RepeatedTest(10)
    void aContinueFromOutsideAfterAPauseAndNoDoubleTransitionsForTheEnginesOwn() throws Exception {
        try (RealEngine e = new RealEngine(tmp, "programs:\n  s: {cmd: sleep 300, starttime: 0}\n")) {
            int pid = e.await("s", ProcessState.RUNNING).pid();
            e.engine.pause(List.of("s")).get();
            // kill -CONT from outside, once the pause's SIGSTOP has landed.
            e.until("the sleep to be stopped", all -> dev.taskmaster.server.os.ProcStat.of(pid).map(s -> s.state() == 'T')
                    .orElse(false));
            Signals.kill(pid, Signals.SIGCONT);
            e.await("s", ProcessState.RUNNING);
            // The engine's own pause and resume, several times: one transition each, none from the reports.
            for (int i = 0; i < 5; i++) {
                e.engine.pause(List.of("s")).get();
                e.engine.resume(List.of("s")).get();
            }
            e.engine.pause(List.of("s")).get();
            e.until("the sleep to be stopped", all -> dev.taskmaster.server.os.ProcStat.of(pid).map(s -> s.state() == 'T')
                    .orElse(false));
            // Every report handled: a snapshot taken after a round trip through the engine and the reader.
            Signals.kill(pid, Signals.SIGCONT);
            e.await("s", ProcessState.RUNNING);
            assertThat(transitions(e, ProcessState.RUNNING, ProcessState.PAUSED)).isEqualTo(7);
            assertThat(transitions(e, ProcessState.PAUSED, ProcessState.RUNNING)).isEqualTo(7);
            assertThat(e.journal.since(0).stream().filter(ev -> ev instanceof EngineEvent.StateChanged c
                    && c.from() == ProcessState.PAUSED && c.reason().contains("from outside")).count()).isEqualTo(2);
        }
    }
}
