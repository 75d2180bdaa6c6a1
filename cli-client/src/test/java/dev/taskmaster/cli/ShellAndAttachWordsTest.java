package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ExitedWithCode;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Issue 16's words: attach's "[top exited (exited)]" and the prompt of taskmasterd --shell -i NAME. */
class ShellAndAttachWordsTest {

    @Test
    void attachSaysHowTheProcessEndedNotItsStateTwice() {
        ProcessInfo exited = ProcessInfo.newBuilder().setState(ProcessState.PROCESS_STATE_EXITED)
                .setLastExit(ExitInfo.newBuilder().setExited(ExitedWithCode.newBuilder().setCode(0)).setExpected(true)).build();
        assertThat(ConsoleBridge.ended(exited)).isEqualTo("exited with code 0 (expected)");
        ProcessInfo killed = ProcessInfo.newBuilder().setState(ProcessState.PROCESS_STATE_BACKOFF)
                .setLastExit(ExitInfo.newBuilder().setKilled(KilledBySignal.newBuilder().setSignalNumber(9).setSignalName("KILL"))).build();
        assertThat(ConsoleBridge.ended(killed)).isEqualTo("killed by SIGKILL (unexpected)");
        assertThat(ConsoleBridge.ended(ProcessInfo.newBuilder().setState(ProcessState.PROCESS_STATE_FATAL).build()))
                .isEqualTo("ended (fatal)");
    }

    @Test
    void theEmbeddedShellsPromptNamesItsInstance() {
        Path blue = SocketPaths.resolve(null, "blue", System.getenv(), SocketPaths.currentUid()).toAbsolutePath();
        Path standard = SocketPaths.resolve(null, "default", System.getenv(), SocketPaths.currentUid()).toAbsolutePath();
        assertThat(EmbeddedShell.instanceOf(blue)).isEqualTo("blue");
        assertThat(EmbeddedShell.instanceOf(standard)).isNull();
        assertThat(EmbeddedShell.instanceOf(Path.of("/tmp/elsewhere/blue.sock"))).isNull();
        Session session = Session.system();
        try {
            assertThat(new Shell(session, java.util.Map.of("--socket", blue.toString())).label("blue").prompt())
                    .isEqualTo("taskmaster(blue)> ");
        } finally {
            session.close();
        }
    }
}
