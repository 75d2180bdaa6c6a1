package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.jline.terminal.Terminal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell's line handling, run on the shell's real line reader over a scripted terminal
 * ({@link Keys}) against the in-process fake daemon.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a shell that hangs fails its test instead of the build
class ShellTest extends CtlTest {

    private static final ListProcessesResponse TWO = ListProcessesResponse.newBuilder()
            .addProcesses(Fixtures.running("web", 77, 5)).addProcesses(Fixtures.running("worker:0", 78, 5)).build();

    @TempDir
    Path state;

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private Keys keys;
    private Terminal shellTerminal;

    @BeforeEach
    void aPersonAtATerminal() {
        env.put("XDG_STATE_HOME", state.toString());
        prompter = terminalAnswering("never asked: the shell asks through its line reader", new ArrayList<>());
        daemon.answer("ListProcesses", TWO);
        keys = new Keys();
        terminalOpener = () -> shellTerminal = keys.terminal(screen);
    }

    private String screen() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    private List<String> history() throws Exception {
        return Files.readAllLines(state.resolve("taskmaster/ctl_history"));
    }

    @Test
    void noVerbAtATerminalRunsEachLineUntilExit() throws Exception {
        keys.type("status\nstatus web\nexit\nstatus\n");

        Result r = run();

        assertThat(r.exit()).isZero();
        assertThat(daemon.requests(ListProcessesRequest.class)).extracting(q -> List.copyOf(q.getTargetsList()))
                .containsExactly(List.of(), List.of("web"));
        assertThat(r.out()).contains("web       RUNNING  77").contains("worker:0  RUNNING  78");
        assertThat(r.err()).isEmpty();
        assertThat(screen()).contains("taskmaster> ");
        assertThat(history()).containsExactly("status", "status web", "exit");
        assertThat(Files.getPosixFilePermissions(state.resolve("taskmaster/ctl_history")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void quitCtrlDAndTheEndOfInputLeave() {
        keys.type("quit\nstatus\n");
        assertThat(run("shell").exit()).isZero();
        assertThat(daemon.received).isEmpty();

        keys = new Keys().type("status\n" + Keys.CTRL_D + "status\n");
        assertThat(run().exit()).isZero();
        assertThat(daemon.received).hasSize(1);

        keys = new Keys().type("status\n");
        assertThat(run().exit()).isZero(); // then no more keys: end of input
        assertThat(daemon.received).hasSize(2);
    }

    @Test
    void aFailingLinePrintsItsLineAndTheShellGoesOn() {
        daemon.answer("StopProcesses", Status.NOT_FOUND.withDescription("no process, program or group named \"nope\""));
        keys.type("stop nope\nbogus\nstatus --timeout soon\n\n   \nstatus\nexit\n");

        Result r = run();

        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("taskmasterctl: no process, program or group named \"nope\"\n",
                "taskmasterctl: unknown command \"bogus\" ('help' lists the verbs)\n", "'soon' is not a duration");
        assertThat(daemon.requests(ListProcessesRequest.class)).hasSize(1);
        assertThat(r.out()).contains("web       RUNNING  77");
    }

    @Test
    void aLineMayAskEveryContextForItsStatusButNotStopThemAll() {
        terminal = false;
        assertThat(run("context", "add", "east", "--server", "127.0.0.1:7001", "--plaintext").exit()).isZero();
        assertThat(run("context", "add", "west", "--server", "127.0.0.1:7002", "--plaintext").exit()).isZero();
        targetsOpened.clear();
        keys.type("status --all-contexts\nstop web --all-contexts\nstatus\nexit\n");

        Result r = run();

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("HOST  NAME      STATE", "east  web       RUNNING  77", "west  worker:0  RUNNING  78");
        assertThat(r.err()).isEqualTo("taskmasterctl: stop talks to one daemon: --all-contexts and a repeated --context work with"
                + " status and info only\nTry 'taskmasterctl stop --help' for more information.\n");
        assertThat(daemon.requests(StopProcessesRequest.class)).isEmpty();
        // Two hosts for the first line, then the shell's own daemon for the last.
        assertThat(targetsOpened).extracting(t -> t.context() == null ? "local" : t.context()).containsExactly("east", "west", "local");
    }

    @Test
    void ctrlCDropsTheLineBeingTyped() throws Exception {
        keys.type("stop web").type(Keys.CTRL_C).type("status\nexit\n");

        Result r = run();

        assertThat(r.exit()).isZero();
        assertThat(daemon.requests(StopProcessesRequest.class)).isEmpty();
        assertThat(daemon.requests(ListProcessesRequest.class)).hasSize(1);
        assertThat(history()).containsExactly("status", "exit");
    }

    @Test
    void ctrlCStopsTheRunningCommandNotTheShell() {
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(WatchEventsResponse.getDefaultInstance()), null)); // stays open
        daemon.onCall("WatchEvents", () -> shellTerminal.raise(Terminal.Signal.INT));
        keys.type("events --follow\nstatus\nexit\n");

        Result r = run();

        assertThat(r.err()).isEqualTo("taskmasterctl: events: interrupted\n");
        assertThat(daemon.requests(ListProcessesRequest.class)).hasSize(1);
        assertThat(r.exit()).isZero();
    }

    @Test
    void globalOptionsOfTheShellApplyToEveryLineUnlessTheLineSaysOtherwise() {
        keys.type("status\nstatus --socket /tmp/other.sock\nstatus\n");

        run("--socket", "/tmp/t.sock", "--timeout", "5s");

        assertThat(socketsOpened).containsExactly(Path.of("/tmp/t.sock"), Path.of("/tmp/other.sock"), Path.of("/tmp/t.sock"));
        assertThat(daemon.received).hasSize(3);
        assertThat(daemon.received.getFirst().deadline().timeRemaining(java.util.concurrent.TimeUnit.SECONDS)).isBetween(3L, 5L);
        assertThat(daemon.received.getLast().deadline().timeRemaining(java.util.concurrent.TimeUnit.SECONDS)).isBetween(3L, 5L);
    }

    @Test
    void theInstanceIsInThePromptAndGlobalsMayFollowTheShellVerb() {
        keys.type("status\n");

        run("shell", "-i", "blue");

        assertThat(screen()).contains("taskmaster(blue)> ");
        assertThat(socketsOpened).containsExactly(Path.of("/run/user/1000/taskmaster/blue.sock"));
    }

    @Test
    void theContextIsInThePromptAndContextUseSwitchesAtOnce() {
        Path file = configHome.resolve("taskmaster/contexts.yaml");
        dev.taskmaster.client.ContextsFile.save(file, dev.taskmaster.client.Contexts.EMPTY
                .with(new dev.taskmaster.client.Context("prod", dev.taskmaster.client.ServerAddress.parse("web1:7443"),
                        dev.taskmaster.client.ClientSecurity.NONE))
                .with(new dev.taskmaster.client.Context("lab", dev.taskmaster.client.ServerAddress.parse("unix:///run/lab.sock"),
                        dev.taskmaster.client.ClientSecurity.NONE))
                .using("prod"));
        keys.type("status\ncontext use lab\nstatus\n");

        run();

        assertThat(screen()).contains("taskmaster(prod)> ").contains("taskmaster(lab)> ");
        assertThat(targetsOpened).extracting(dev.taskmaster.client.DaemonTarget::label).containsExactly("prod", "lab");
    }

    @Test
    void aServerGivenToTheShellIsInThePrompt() {
        keys.type("status\n");

        run("--server", "web1:7443");

        assertThat(screen()).contains("taskmaster(web1:7443)> ");
        assertThat(targetsOpened).extracting(t -> t.address().toString()).containsExactly("web1:7443");
    }

    @Test
    void oneConnectionServesTheWholeSession() {
        keys.type("status\npid web\nstatus\n");

        run();

        assertThat(daemon.received).hasSize(3);
        assertThat(socketsOpened).hasSize(1);
    }

    @Test
    void aRestartedDaemonIsReachedAgainWithoutLeavingTheShell() {
        keys.type("status\n").then(this::stopDaemon).type("status\n").then(this::startDaemon).type("status\n");

        Result r = run();

        assertThat(r.err()).startsWith("taskmasterctl: ").contains("unavailable").hasLineCount(1);
        assertThat(daemon.requests(ListProcessesRequest.class)).hasSize(2);
        assertThat(r.out().split("NAME ", -1)).hasSize(3); // two tables
        assertThat(socketsOpened).hasSize(2); // the failed connection was replaced
    }

    private void stopDaemon() {
        try {
            daemonGone();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void startDaemon() {
        try {
            startFakeDaemon();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void helpListsTheVerbsAndTheShellsOwnWords() {
        keys.type("help\nhelp stop\n");

        Result r = run();

        assertThat(r.out()).contains("  status ", "  stop ", "  events ", "  exit ", "  quit ", "Usage: taskmasterctl stop")
                .doesNotContain("  shell ", "generate-completion");
        assertThat(daemon.received).isEmpty();

        // In colour too, the shell's words line up with the verbs' descriptions.
        terminal = true;
        keys = new Keys().type("help\n");
        List<String> lines = run().out().replaceAll("\u001B\\[[0-9;]*m", "").lines().toList();
        int column = descriptionColumn(lines, "stop");
        assertThat(column).isGreaterThan(6).isEqualTo(descriptionColumn(lines, "exit")).isEqualTo(descriptionColumn(lines, "quit"));
    }

    private static int descriptionColumn(List<String> lines, String word) {
        String line = lines.stream().filter(l -> l.startsWith("  " + word + " ")).findFirst().orElseThrow();
        return line.indexOf(line.substring(2 + word.length()).strip());
    }

    @Test
    void theShellDoesNotNest() {
        keys.type("shell\n--timeout 5s\nstatus\n");

        Result r = run();

        assertThat(r.err()).isEqualTo("taskmasterctl: already in the shell\ntaskmasterctl: give a verb ('help' lists them)\n");
        assertThat(daemon.received).hasSize(1);
    }

    @Test
    void aQuestionIsAskedAtTheShellsPromptAndKeptOutOfHistory() throws Exception {
        daemon.answer("AddProgram", AddProgramResponse.newBuilder().setApplied(true).build());
        keys.type("add web\n/bin/sleep 5\nexit\n");

        Result r = run();

        assertThat(r.err()).isEmpty();
        assertThat(daemon.requests(AddProgramRequest.class).getFirst().getSpec().getCmd()).isEqualTo("/bin/sleep 5");
        assertThat(screen()).contains("Command to run for \"web\": ");
        assertThat(history()).containsExactly("add web", "exit");
    }

    @Test
    void standardInputIsTheShellsTerminalSoDashIsRefused() {
        keys.type("add -f -\n");

        Result r = run();

        assertThat(r.err()).isEqualTo("taskmasterctl: -f -: cannot read: standard input is the shell's terminal; give a file instead of '-'\n");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void tabCompletesThroughTheLineReader() {
        daemon.answer("StopProcesses", StopProcessesResponse.getDefaultInstance());
        keys.type("sto" + Keys.TAB + "we" + Keys.TAB + "\n");

        run();

        assertThat(daemon.requests(StopProcessesRequest.class)).extracting(q -> List.copyOf(q.getTargetsList()))
                .containsExactly(List.of("web"));
    }

    @Test
    void withoutATerminalThereIsNoShellAndNoWait() {
        prompter = notATerminal();
        terminalOpener = null; // opening one would fail the test

        for (String[] args : new String[][] {{}, {"shell"}, {"--socket", "/tmp/x.sock"}}) {
            Result r = run(args);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).startsWith("taskmasterctl: give a verb (the interactive shell needs a terminal").contains("Usage: taskmasterctl");
        }
    }

    @Test
    void theHistoryFileFollowsXdgStateHome() {
        StringWriter none = new StringWriter();
        assertThat(session(none, none).historyFile()).isEqualTo(state.resolve("taskmaster/ctl_history"));
        env.put("XDG_STATE_HOME", "relative/ignored");
        env.put("HOME", "/home/ann");
        assertThat(session(none, none).historyFile()).isEqualTo(Path.of("/home/ann/.local/state/taskmaster/ctl_history"));
        env.remove("XDG_STATE_HOME");
        assertThat(session(none, none).historyFile()).isEqualTo(Path.of("/home/ann/.local/state/taskmaster/ctl_history"));
    }

    @Test
    void anUnwritableHistoryIsSaidOnceAndTheShellRuns() throws Exception {
        Files.writeString(state.resolve("taskmaster"), "a file where the directory should be");
        keys.type("status\n");

        Result r = run();

        assertThat(r.err()).startsWith("taskmasterctl: history will not be saved: ").hasLineCount(1);
        assertThat(daemon.received).hasSize(1);
    }
}
