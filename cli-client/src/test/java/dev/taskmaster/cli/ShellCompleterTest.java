package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import io.grpc.Status;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser.ParseContext;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tab completion: what the shell offers for the word under the cursor, split by JLine's parser
 * as at the prompt, with live names from the in-process fake daemon.
 */
class ShellCompleterTest extends CtlTest {

    /** web (one process), worker:0..1 (a program with two), and api:0 of program api in group svc. */
    private static final ListProcessesResponse PROCESSES = ListProcessesResponse.newBuilder()
            .addProcesses(Fixtures.running("web", 10, 1))
            .addProcesses(Fixtures.running("worker:0", 11, 1))
            .addProcesses(Fixtures.running("worker:1", 12, 1))
            .addProcesses(ProcessInfo.newBuilder().setFullName("svc:api").setName("api").setProgram("api").setGroup("svc")
                    .setState(ProcessState.PROCESS_STATE_STOPPED))
            .build();

    private static final List<String> VERBS = List.of("status", "start", "stop", "restart", "signal", "pause", "resume", "reload",
            "add", "update", "remove", "avail", "adopt", "tail", "logs", "maintail", "clear", "attach", "events", "pid", "info", "shutdown", "daemon", "notify", "context", "version", "help", "exit", "quit");

    private Map<String, String> globals = Map.of();
    private final List<Session> sessions = new ArrayList<>();

    @BeforeEach
    void aDaemonWithProcesses() {
        daemon.answer("ListProcesses", PROCESSES);
    }

    @AfterEach
    void closeSessions() {
        sessions.forEach(Session::close);
    }

    private ShellCompleter completer() {
        StringWriter ignored = new StringWriter();
        Session session = session(ignored, ignored);
        sessions.add(session);
        return new Shell(session, globals).completer();
    }

    private ShellCompleter.Completion completion(String typed) {
        ParsedLine line = new DefaultParser().parse(typed, typed.length(), ParseContext.COMPLETE);
        return completer().complete(line.words(), line.wordIndex());
    }

    /** The candidates JLine would show for {@code typed} (cursor at the end): those starting with the word typed so far. */
    private List<String> offered(String typed) {
        ParsedLine line = new DefaultParser().parse(typed, typed.length(), ParseContext.COMPLETE);
        String prefix = line.word().substring(0, line.wordCursor());
        return completer().complete(line.words(), line.wordIndex()).candidates().stream().map(Candidate::value)
                .filter(v -> v.startsWith(prefix)).toList();
    }

    @Test
    void verbsAndTheShellsWordsComeFirst() {
        assertThat(offered("")).containsExactlyInAnyOrderElementsOf(VERBS).doesNotContain("shell", "generate-completion", "completion", "reread");
        assertThat(offered("st")).containsExactlyInAnyOrder("status", "start", "stop");
        assertThat(offered("sto")).containsExactly("stop");
        assertThat(offered("--socket /tmp/x.sock -i blue st")).containsExactlyInAnyOrder("status", "start", "stop");
        assertThat(offered("bogus ")).isEmpty();
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void optionsOfTheRootAndOfEachVerbIncludingTheGlobalOnes() {
        assertThat(offered("--")).contains("--instance", "--socket", "--timeout", "--help", "--version");
        assertThat(offered("stop --")).contains("--no-wait", "--json", "--help", "--instance", "--socket", "--timeout")
                .doesNotContain("--version");
        assertThat(offered("signal -")).contains("-g", "--process-group", "-i");
        assertThat(offered("add web --no-")).contains("--no-autostart", "--no-redirect-stderr", "--no-tty");
        Candidate instance = completion("status -").candidates().stream().filter(c -> c.value().equals("-i")).findFirst().orElseThrow();
        assertThat(instance.key()).isEqualTo("--instance"); // shown with --instance on one line
        assertThat(instance.descr()).isEqualTo("Daemon instance to talk to (default: default).");
    }

    @Test
    void contextNamesAndSubVerbs() {
        dev.taskmaster.client.ContextsFile.save(configHome.resolve("taskmaster/contexts.yaml"), dev.taskmaster.client.Contexts.EMPTY
                .with(new dev.taskmaster.client.Context("prod", dev.taskmaster.client.ServerAddress.parse("web1:7443"),
                        dev.taskmaster.client.ClientSecurity.NONE))
                .with(new dev.taskmaster.client.Context("lab", dev.taskmaster.client.ServerAddress.parse("web2:7443"),
                        dev.taskmaster.client.ClientSecurity.NONE)));

        assertThat(offered("context ")).containsExactlyInAnyOrder("add", "use", "list", "remove");
        assertThat(offered("context use ")).containsExactlyInAnyOrder("prod", "lab");
        assertThat(offered("context remove p")).containsExactly("prod");
        assertThat(offered("status --context ")).containsExactlyInAnyOrder("prod", "lab");
        assertThat(offered("context add ")).isEmpty(); // a new name
        assertThat(completion("status --ca ").files()).isTrue();
        assertThat(completion("status --token-file ").files()).isTrue();
        assertThat(offered("context add x --")).contains("--server", "--ca", "--cert", "--key", "--token-file", "--plaintext");
    }

    @Test
    void optionValues() {
        assertThat(offered("add web --autorestart ")).containsExactlyInAnyOrder("always", "never", "unexpected");
        assertThat(offered("add web --stopsignal T")).containsExactly("TERM");
        assertThat(completion("add -f ").files()).isTrue();
        assertThat(completion("--socket ").files()).isTrue();
        assertThat(completion("add web --stdout ").files()).isTrue();
        assertThat(completion("add web --numprocs ").candidates()).isEmpty();
        assertThat(completion("add web --numprocs ").files()).isFalse();
        // After an option's value, positional arguments again.
        assertThat(offered("--timeout 5s stop we")).containsExactly("web");
    }

    @Test
    void targetsAreTheDaemonsNamesNow() {
        assertThat(offered("stop ")).containsExactlyInAnyOrder("all", "web", "worker:0", "worker:1", "worker", "worker:*",
                "svc:api", "api", "svc:*", "svc");
        assertThat(offered("stop we")).containsExactly("web");
        assertThat(offered("stop web wor")).containsExactlyInAnyOrder("worker:0", "worker:1", "worker", "worker:*");
        assertThat(offered("restart --no-wait w")).contains("web", "worker");
        assertThat(offered("status ")).contains("all", "web");
        assertThat(offered("events -f ")).contains("web");
        assertThat(offered("pid ")).contains("web");
        assertThat(offered("pid web ")).isEmpty(); // one target at most
        assertThat(daemon.requests(ListProcessesRequest.class)).allSatisfy(q -> assertThat(q.getTargetsCount()).isZero());
        // Each Tab asks afresh, with the short completion deadline.
        assertThat(daemon.received).hasSize(7);
        assertThat(daemon.received.getFirst().deadline().timeRemaining(TimeUnit.MILLISECONDS))
                .isLessThanOrEqualTo(Shell.COMPLETION_DEADLINE.toMillis());
    }

    // Issue 16: "signal names complete only in upper case"; the daemon takes any case, with or without SIG.
    @Test
    void signalNamesCompleteInTheCaseAndFormTyped() {
        assertThat(offered("signal usr")).containsExactly("usr1", "usr2");
        assertThat(offered("signal t")).containsExactly("term");
        assertThat(offered("signal SIGU")).containsExactly("SIGUSR1", "SIGUSR2");
        assertThat(offered("signal sigk")).containsExactly("sigkill");
        assertThat(offered("add web --stopsignal qu")).containsExactly("quit");
    }

    // Issue 16: "start <Tab> offers a bare group name that the daemon then rejects": the daemon
    // now takes it (GroupTargetsConformanceTest), so a group that is no program's is offered.
    @Test
    void aGroupIsOfferedOnlyWhereTheDaemonTakesIt() {
        assertThat(offered("start sv")).containsExactlyInAnyOrder("svc:api", "svc:*", "svc");
        assertThat(offered("tail sv")).containsExactly("svc:api"); // one process: no group
        assertThat(offered("update sv")).isEmpty(); // a program name: api, not its group
    }

    @Test
    void signalNamesThenTargets() {
        assertThat(offered("signal ")).contains("TERM", "HUP", "KILL", "USR1").doesNotContain("web");
        assertThat(offered("signal -g HUP w")).containsExactlyInAnyOrder("web", "worker:0", "worker:1", "worker", "worker:*");
    }

    @Test
    void programNamesForVerbsThatTakeAProgramAndNothingForANewOne() {
        assertThat(offered("remove ")).containsExactlyInAnyOrder("web", "worker", "api");
        assertThat(offered("update w")).containsExactlyInAnyOrder("web", "worker");
        assertThat(offered("add ")).isEmpty();
        assertThat(offered("help ")).contains("status", "stop").doesNotContain("exit", "quit");
    }

    @Test
    void aDaemonThatIsDownGivesNoNames() throws Exception {
        daemonGone();
        assertThat(offered("stop ")).isEmpty();
        daemon.answer("ListProcesses", Status.PERMISSION_DENIED);
        assertThat(offered("stop ")).isEmpty();
        assertThat(offered("st")).containsExactlyInAnyOrder("status", "start", "stop"); // the rest still completes
    }

    @Test
    void namesComeFromTheDaemonTheShellWasStartedFor() {
        globals = Map.of("--socket", "/tmp/a.sock");
        assertThat(offered("stop w")).contains("web");
        globals = Map.of("--instance", "blue");
        assertThat(offered("stop w")).contains("web");
        assertThat(socketsOpened).containsExactly(Path.of("/tmp/a.sock"), Path.of("/run/user/1000/taskmaster/blue.sock"));
    }
}
