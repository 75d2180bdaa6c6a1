package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterctl __complete}, what the bash, zsh and fish scripts call on each Tab: the
 * shell's candidates for the word under the cursor, filtered by what is typed, the daemon's
 * names when it can be asked, and nothing at all (not a byte on stderr) when it cannot.
 * The scripts themselves are driven in a real bash by CompletionIT (app).
 */
class CompleteTest extends CtlTest {

    @TempDir
    Path dir;
    /** A file standing for the daemon's socket: the in-process daemon is reached whatever the address. */
    Path socket;

    @BeforeEach
    void aDaemonWithAGroup() throws Exception {
        socket = Files.createFile(dir.resolve("t.sock"));
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("web", 10, 1))
                .addProcesses(ProcessInfo.newBuilder().setFullName("db").setName("db").setProgram("db").setGroup("data")
                        .setState(ProcessState.PROCESS_STATE_RUNNING))
                .addProcesses(ProcessInfo.newBuilder().setFullName("cache").setName("cache").setProgram("cache").setGroup("data")
                        .setState(ProcessState.PROCESS_STATE_RUNNING))
                .build());
    }

    private List<String> complete(String... words) {
        Result r = run(prepend(words));
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        return r.outLines().stream().map(l -> l.contains("\t") ? l.substring(0, l.indexOf('\t')) : l).toList();
    }

    private static String[] prepend(String... words) {
        String[] all = new String[words.length + 1];
        all[0] = "__complete";
        System.arraycopy(words, 0, all, 1, words.length);
        return all;
    }

    @Test
    void verbsWithTheirDescriptionsAndNoShellWords() {
        Result r = run("__complete", "st");
        assertThat(r.outLines()).containsExactly("status\tShow the state of processes (all of them by default).",
                "start\tStart processes that are not running.", "stop\tStop running processes (stop signal, then SIGKILL after stoptime).");
        List<String> all = complete("");
        assertThat(all).contains("status", "clear", "avail", "completion", "shell", "help").doesNotContain("exit", "quit",
                "reread", "generate-completion", "__complete");
        assertThat(complete("bogus", "")).isEmpty();
    }

    @Test
    void optionsOfAVerbAndTheGlobalOnes() {
        assertThat(complete("stop", "--")).contains("--no-wait", "--json", "--instance", "--socket", "--timeout");
        assertThat(complete("-i", "blue", "restart", "--no")).containsExactly("--no-wait");
    }

    @Test
    void signalsInAnyCaseAsTheDaemonTakesThem() {
        assertThat(complete("signal", "")).contains("TERM", "HUP", "KILL", "USR1", "USR2");
        assertThat(complete("signal", "usr")).containsExactly("usr1", "usr2");
        assertThat(complete("signal", "Ter")).containsExactly("TERM");
        assertThat(complete("signal", "SIGH")).containsExactly("SIGHUP");
        assertThat(complete("add", "x", "--stopsignal", "k")).containsExactly("kill");
    }

    @Test
    void namesComeFromTheDaemonTheWordsPointAt() {
        assertThat(complete("--socket", socket.toString(), "stop", "")).containsExactly("all", "web", "db", "data:*", "data", "cache");
        assertThat(complete("stop", "--socket=" + socket, "da")).containsExactly("data:*", "data");
        assertThat(complete("--socket", socket.toString(), "tail", "")).containsExactly("web", "db", "cache");
        assertThat(complete("--socket", socket.toString(), "signal", "TERM", "c")).containsExactly("cache");
        assertThat(socketsOpened).allSatisfy(s -> assertThat(s).isEqualTo(socket));
    }

    @Test
    void noDaemonNoNamesNoNoiseNoConnection() {
        long started = System.nanoTime();
        assertThat(complete("--socket", dir.resolve("nobody.sock").toString(), "stop", "")).isEmpty();
        assertThat(complete("stop", "w")).isEmpty(); // the default socket of XDG_RUNTIME_DIR=/run/user/1000: none here
        assertThat(socketsOpened).isEmpty();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
        // A daemon that stopped answering: an empty list at once, nothing on stderr.
        daemon.answer("ListProcesses", io.grpc.Status.UNAVAILABLE.withDescription("gone"));
        assertThat(complete("--socket", socket.toString(), "stop", "")).isEmpty();
    }

    @Test
    void fileNamesWhereAFileFits() {
        assertThat(run("__complete", "add", "-f", "").outLines()).containsExactly(":files");
        assertThat(run("__complete", "--socket", "").outLines()).containsExactly(":files");
        assertThat(run("__complete", "completion", "").outLines()).containsExactly("bash", "zsh", "fish");
    }

    @Test
    void completionPrintsEachShellsScript() {
        Result bash = run("completion", "bash");
        assertThat(bash.exit()).isZero();
        assertThat(bash.out()).contains("_taskmasterctl()", "__complete", "complete -F _taskmasterctl taskmasterctl");
        assertThat(run("generate-completion").out()).isEqualTo(bash.out());
        assertThat(run("completion", "zsh").out()).startsWith("#compdef taskmasterctl").contains("__complete");
        assertThat(run("completion", "fish").out()).contains("complete -c taskmasterctl", "__complete");
        Result bad = run("completion", "tcsh");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("tcsh");
    }
}
