package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.testkit.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/** A real program that crashes right after each start: restarts back off, then max_restarts makes it FATAL, saying so. */
class CrashLoopLiveTest {

    @TempDir
    Path dir;

    @RepeatedTest(3)
    void aCrashLoopBacksOffThenGivesUpAtMaxRestarts() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  crasher:
                    cmd: "sh -c 'sleep 0.05; exit 3'"
                    starttime: 0
                    autorestart: unexpected
                    max_restarts: 4
                    backoff: {initial: 200ms, factor: 2, max: 500ms, reset_after: 1m}
                """)) {
            Poll.until("crasher FATAL", Duration.ofSeconds(30), () -> info(d).getState() == ProcessState.PROCESS_STATE_FATAL);
            ProcessInfo p = info(d);
            assertThat(p.getDescription()).isEqualTo("gave up after 4 restarts in a row (max_restarts 4);"
                    + " the last run exited with code 3 (unexpected)");
            assertThat(p.getRestartCount()).isEqualTo(4);
            List<Instant> spawns = new ArrayList<>();
            List<Instant> exits = new ArrayList<>();
            for (EngineEvent e : d.journal.since(0)) {
                if (e instanceof EngineEvent.StateChanged c && c.process().equals("crasher")) {
                    if (c.to() == dev.taskmaster.server.engine.ProcessState.STARTING) {
                        spawns.add(c.time());
                    } else if (c.to() == dev.taskmaster.server.engine.ProcessState.EXITED) {
                        exits.add(c.time());
                    }
                }
            }
            assertThat(spawns).hasSize(5);
            // Restart n waits 0, then 200 ms, 400 ms, 500 ms (capped) after the exit before it.
            long[] least = {0, 200, 400, 500};
            for (int i = 0; i < least.length; i++) {
                long waited = Duration.between(exits.get(i), spawns.get(i + 1)).toMillis();
                assertThat(waited).as("wait before restart %d", i + 1).isGreaterThanOrEqualTo(least[i]);
            }
            assertThat(Duration.between(exits.get(0), spawns.get(1)).toMillis()).as("the first restart is at once")
                    .isLessThan(200);
        }
    }

    private static ProcessInfo info(LiveDaemon d) {
        return d.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("crasher").build()).getProcesses(0);
    }
}
