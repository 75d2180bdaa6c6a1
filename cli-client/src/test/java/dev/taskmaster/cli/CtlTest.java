package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real command tree ({@link TaskmasterCtl#run}) against a {@link FakeDaemon} served
 * in-process: the session's {@link Session.ChannelOpener} is the seam, so no socket is needed.
 * Contexts live in a directory of the test's own ({@code XDG_CONFIG_HOME}).
 */
abstract class CtlTest {

    /** What one run produced. */
    record Result(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    final FakeDaemon daemon = new FakeDaemon();
    final Map<String, String> env = new HashMap<>(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"));
    /** Where contexts are kept: the test's own, never the real user's. */
    @TempDir
    Path configHome;
    final List<Path> socketsOpened = new ArrayList<>();
    final List<DaemonTarget> targetsOpened = new ArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();
    boolean terminal;
    Session.Prompter prompter = notATerminal();
    String stdin = "";
    Session.ChannelOpener opener;
    /** The shell's terminal; null: none set (a test that starts the shell must set one). */
    Session.TerminalOpener terminalOpener;
    private final String name = InProcessServerBuilder.generateName();
    private Server server;

    @BeforeEach
    void startFakeDaemon() throws Exception {
        server = InProcessServerBuilder.forName(name).directExecutor().addService(daemon).build().start();
        env.put("XDG_CONFIG_HOME", configHome.toString());
        opener = target -> {
            targetsOpened.add(target);
            if (target.address() instanceof ServerAddress.Unix unix) {
                socketsOpened.add(unix.socket());
            }
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            channels.add(channel);
            return DaemonChannel.of(channel, "in-process:" + name);
        };
    }

    @AfterEach
    void stopFakeDaemon() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The daemon goes away (and may come back under the same name with {@link #startFakeDaemon}). */
    void daemonGone() throws InterruptedException {
        stopFakeDaemon();
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = TaskmasterCtl.run(session(out, err), args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** A session on this test's streams, environment, terminal and daemon. */
    Session session(StringWriter out, StringWriter err) {
        Session session = new Session(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), env, 1000, terminal, prompter, opener, ZoneOffset.UTC);
        return session.terminalOpener(terminalOpener != null ? terminalOpener : () -> {
            throw new AssertionError("the shell was started without a test terminal");
        });
    }

    static Session.Prompter notATerminal() {
        return new Session.Prompter() {
            @Override
            public boolean interactive() {
                return false;
            }

            @Override
            public String ask(String prompt) {
                throw new AssertionError("asked \"" + prompt + "\" although stdin is not a terminal");
            }
        };
    }

    /** A person at a terminal who answers every question with {@code answer}, and the questions asked. */
    static Session.Prompter terminalAnswering(String answer, List<String> asked) {
        return new Session.Prompter() {
            @Override
            public boolean interactive() {
                return true;
            }

            @Override
            public String ask(String prompt) {
                asked.add(prompt);
                return answer;
            }
        };
    }
}
