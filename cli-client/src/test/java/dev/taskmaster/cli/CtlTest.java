package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
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

/**
 * Runs the real command tree ({@link TaskmasterCtl#run}) against a {@link FakeDaemon} served
 * in-process: the session's {@link Session.ChannelOpener} is the seam, so no socket is needed.
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
    final List<Path> socketsOpened = new ArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();
    boolean terminal;
    Session.Prompter prompter = notATerminal();
    String stdin = "";
    Session.ChannelOpener opener;
    private Server server;

    @BeforeEach
    void startFakeDaemon() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(daemon).build().start();
        opener = socket -> {
            socketsOpened.add(socket);
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            channels.add(channel);
            return DaemonChannel.of(channel, "in-process:" + name);
        };
    }

    @AfterEach
    void stopFakeDaemon() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Session session = new Session(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), env, 1000, terminal, prompter, opener, ZoneOffset.UTC);
        int exit = TaskmasterCtl.run(session, args);
        return new Result(exit, out.toString(), err.toString());
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
