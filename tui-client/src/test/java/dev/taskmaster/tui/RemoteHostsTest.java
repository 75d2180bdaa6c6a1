package dev.taskmaster.tui;

import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.Context;
import dev.taskmaster.client.Contexts;
import dev.taskmaster.client.ContextsFile;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetException;
import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Several hosts in one table: which daemons the options name, and live links to real gRPC
 * servers over mutual TLS on 127.0.0.x, one of which goes away and comes back, with a console
 * attached to a row of the other.
 */
class RemoteHostsTest {

    @TempDir
    Path tmp;
    private final Map<String, String> env = new HashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        timer.shutdownNow();
    }

    private List<Target> targets(String... args) {
        env.putIfAbsent("XDG_CONFIG_HOME", tmp.resolve("conf").toString());
        env.putIfAbsent("XDG_RUNTIME_DIR", "/run/user/1000");
        TaskmasterTui tui = new TaskmasterTui();
        new CommandLine(tui).parseArgs(args);
        return tui.targets(env, SocketPaths.currentUid());
    }

    private void contexts(String current) {
        env.put("XDG_CONFIG_HOME", tmp.resolve("conf").toString());
        ContextsFile.save(tmp.resolve("conf/taskmaster/contexts.yaml"), Contexts.EMPTY
                .with(new Context("web1", ServerAddress.parse("web1:7443"), new ClientSecurity(Path.of("/c/ca.pem"), null, null, null, false)))
                .with(new Context("web2", ServerAddress.parse("web2:7443"), ClientSecurity.NONE))
                .with(new Context("lab", ServerAddress.parse("unix:///run/lab.sock"), ClientSecurity.NONE))
                .using(current));
    }

    // ---- which daemons ----------------------------------------------------------------------

    @Test
    void withNothingNamedTheLocalDefaultOrTheCurrentContext() {
        assertThat(targets()).containsExactly(new Target("default", DaemonTarget.unix(Path.of("/run/user/1000/taskmaster/default.sock"))));
        contexts("web2");
        assertThat(targets()).extracting(Target::label).containsExactly("web2");
        env.put("TASKMASTER_CONTEXT", "lab");
        assertThat(targets()).extracting(Target::label).containsExactly("lab");
    }

    @Test
    void contextsServersInstancesAndSocketsTogether() {
        contexts(null);
        List<Target> t = targets("--context", "web2", "--context", "web1", "--server", "127.0.0.1:7000", "-i", "blue",
                "--socket", "/tmp/x/green.sock", "--context", "web2");
        assertThat(t).extracting(Target::label).containsExactly("web2", "web1", "127.0.0.1:7000", "blue", "green");
        assertThat(t.get(1).target().security().ca()).isEqualTo(Path.of("/c/ca.pem"));
        assertThat(t.get(3).target().address()).isEqualTo(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/blue.sock")));
    }

    @Test
    void allContextsAndTheFlagsOverTheirSettings() {
        contexts("web1");
        List<Target> t = targets("--all-contexts", "--token-file", "/c/t", "--ca", "/c/other-ca.pem");
        assertThat(t).extracting(Target::label).containsExactly("web1", "web2", "lab");
        assertThat(t.get(0).target().security()).isEqualTo(new ClientSecurity(Path.of("/c/other-ca.pem"), null, null, Path.of("/c/t"), false));
        // A socket takes the token, not the TLS settings, which do not apply to it.
        assertThat(t.get(2).target().security()).isEqualTo(new ClientSecurity(null, null, null, Path.of("/c/t"), false));
    }

    @Test
    void theSameLabelTwiceIsNumbered() {
        contexts(null);
        assertThat(targets("--context", "lab", "--socket", "/tmp/lab.sock")).extracting(Target::label).containsExactly("lab", "lab#2");
    }

    @Test
    void anUnknownContextOrABadAddressIsAnError() {
        contexts(null);
        assertThatThrownBy(() -> targets("--context", "nope")).isInstanceOf(TargetException.class).hasMessageStartingWith("no context \"nope\"");
        assertThatThrownBy(() -> targets("--server", "web1")).isInstanceOf(TargetException.class).hasMessageStartingWith("invalid server address");
    }

    // ---- live links over TLS ------------------------------------------------------------------

    @Test
    void twoHostsOverMutualTlsOneGoesAwayAndComesBackAndAttachWorksOnTheOther() throws Exception {
        TestPki pki = TestPki.create(tmp, "ca");
        TestPki.Issued me = pki.client("ops", "operator");
        TestPki.Issued alphaCert = pki.server("alpha", "127.0.0.1");
        TestPki.Issued betaCert = pki.server("beta", "127.0.0.2");
        Path token = tmp.resolve("token");
        Files.writeString(token, "alpha-token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        FakeDaemon alpha = new FakeDaemon();
        FakeDaemon beta = new FakeDaemon();
        beta.attachImplemented = true;
        TlsFakeDaemon alphaServer = TlsFakeDaemon.tls("127.0.0.1", 0, alphaCert, pki.caFile(), true, "alpha-token", alpha);
        closing.add(alphaServer);
        TlsFakeDaemon[] betaServer = {TlsFakeDaemon.tls("127.0.0.2", 0, betaCert, pki.caFile(), true, null, beta)};
        closing.add(() -> betaServer[0].close());
        int betaPort = betaServer[0].port();

        NetworkTest.TestUi ui = new NetworkTest.TestUi(List.of("alpha", "beta"));
        closing.add(ui.thread::shutdownNow);
        DaemonLink alphaLink = link(ui, "alpha", alphaServer.address(), new ClientSecurity(pki.caFile(), me.certFile(), me.keyFile(), token, false));
        DaemonLink betaLink = link(ui, "beta", betaServer[0].address(), new ClientSecurity(pki.caFile(), me.certFile(), me.keyFile(), null, false));
        alphaLink.start();
        betaLink.start();
        FakeDaemon.next(alpha.watches).response().onNext(snapshot("ja", 3, running("web", 11)));
        FakeDaemon.next(beta.watches).response().onNext(snapshot("jb", 5, running("db", 22)));
        ui.await("both hosts' rows", m -> m.rows().size() == 2 && m.daemon("alpha").link == DaemonView.Link.CONNECTED
                && m.daemon("beta").link == DaemonView.Link.CONNECTED);
        assertThat(ui.<Integer>get(m -> m.row(new ProcKey("beta", "db")).info().getPid())).isEqualTo(22);
        assertThat(alphaServer.calls()).isNotEmpty().allSatisfy(s -> {
            assertThat(s.authorization()).isEqualTo("Bearer alpha-token");
            assertThat(s.clientSubject()).isEqualTo("CN=ops,OU=operator");
        });

        // beta goes away: marked, its rows kept as last known; alpha goes on.
        betaServer[0].close();
        ui.await("beta marked disconnected", m -> m.daemon("beta").link == DaemonView.Link.DISCONNECTED);
        assertThat(ui.<Boolean>get(m -> m.row(new ProcKey("beta", "db")).stale())).isTrue();
        assertThat(ui.<DaemonView.Link>get(m -> m.daemon("alpha").link)).isEqualTo(DaemonView.Link.CONNECTED);

        // beta comes back on its port: reconnected, resumed after the last event seen.
        betaServer[0] = TlsFakeDaemon.tls("127.0.0.2", betaPort, betaCert, pki.caFile(), true, null, beta);
        var resumed = beta.watches.poll(30, TimeUnit.SECONDS);
        assertThat(resumed).as("beta reconnected within 30 s").isNotNull();
        assertThat(resumed.request().getFromSequence()).isEqualTo(6);
        assertThat(resumed.request().getJournalId()).isEqualTo("jb");
        resumed.response().onNext(P.heartbeat(5));
        ui.await("beta live again", m -> m.daemon("beta").link == DaemonView.Link.CONNECTED && !m.row(new ProcKey("beta", "db")).stale());

        // A console on beta's row, over TLS: keys reach beta, output comes back.
        NetworkTest.ConsoleRig rig = new NetworkTest.ConsoleRig();
        Future<String> session = Executors.newSingleThreadExecutor().submit(() -> rig.console.run(betaLink, "db"));
        var call = FakeDaemon.next(beta.attaches);
        assertThat(call.request().getName()).isEqualTo("db");
        call.response().onNext(AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder().setSessionId("s-beta")
                .setTty(true).setInputLease(InputLease.newBuilder().setGranted(true))).build());
        call.response().onNext(NetworkTest.chunk(OutputStream.OUTPUT_STREAM_STDOUT, "db> "));
        rig.type("select 1;\r");
        NetworkTest.await("the keys sent to beta", () -> beta.inputs.stream().map(i -> i.getData().toStringUtf8())
                .reduce("", String::concat).equals("select 1;\r"));
        assertThat(beta.inputs).allSatisfy(i -> assertThat(i.getSessionId()).isEqualTo("s-beta"));
        assertThat(alpha.inputs).isEmpty();
        rig.type("\u001d");
        assertThat(session.get(10, TimeUnit.SECONDS)).isEqualTo(Console.DETACHED);
        assertThat(rig.shown()).contains("[attached to db on beta; Ctrl-] detaches]").contains("db> ");
    }

    private DaemonLink link(NetworkTest.TestUi ui, String label, String address, ClientSecurity security) {
        DaemonTarget t = new DaemonTarget(ServerAddress.parse(address), security, label);
        DaemonChannel channel = DaemonChannel.open(t);
        DaemonLink link = new DaemonLink(new Target(label, t), channel, ui, timer);
        closing.add(channel::close);
        closing.add(link::close);
        return link;
    }

    @Test
    void aHostWhoseCertificateIsNotTrustedIsMarkedWithTheReason() throws Exception {
        TestPki pki = TestPki.create(tmp, "ca");
        TestPki other = TestPki.create(tmp, "other");
        TlsFakeDaemon server = TlsFakeDaemon.tls("127.0.0.1", 0, other.server("rogue", "127.0.0.1"), null, false, null, new FakeDaemon());
        closing.add(server);
        NetworkTest.TestUi ui = new NetworkTest.TestUi(List.of("rogue"));
        closing.add(ui.thread::shutdownNow);

        link(ui, "rogue", server.address(), new ClientSecurity(pki.caFile(), null, null, null, false)).start();

        ui.await("rogue marked", m -> m.daemon("rogue").link == DaemonView.Link.DISCONNECTED);
        assertThat(ui.<String>get(m -> m.daemon("rogue").error)).isEqualTo("cannot trust taskmasterd at " + server.address()
                + ": its certificate (CN=rogue, issued by CN=other) is not signed by the CA in " + pki.caFile());
        assertThat(server.calls()).isEmpty();
    }

    @Test
    void aHostThatFallsSilentIsGivenUpAndRedialled() throws Exception {
        // A host that vanished (power, network) closes nothing: its stream just goes quiet. Here the
        // daemon stops sending, heartbeats included, as such a host would.
        TestPki pki = TestPki.create(tmp, "ca");
        FakeDaemon quiet = new FakeDaemon();
        TlsFakeDaemon server = TlsFakeDaemon.tls("127.0.0.1", 0, pki.server("quiet", "127.0.0.1"), null, false, null, quiet);
        closing.add(server);
        NetworkTest.TestUi ui = new NetworkTest.TestUi(List.of("quiet"));
        closing.add(ui.thread::shutdownNow);
        DaemonTarget t = new DaemonTarget(ServerAddress.parse(server.address()), new ClientSecurity(pki.caFile(), null, null, null, false), null);
        DaemonChannel channel = DaemonChannel.open(t);
        closing.add(channel::close);
        DaemonLink link = new DaemonLink(new Target("quiet", t), channel, ui, timer, java.time.Duration.ofMillis(600));
        closing.add(link::close);
        link.start();
        var first = FakeDaemon.next(quiet.watches);
        long heard = System.nanoTime(); // the last message: the client hears it after this
        first.response().onNext(snapshot("jq", 4, running("web", 9)));
        ui.await("connected", m -> m.daemon("quiet").link == DaemonView.Link.CONNECTED);

        ui.await("given up", m -> m.daemon("quiet").link == DaemonView.Link.DISCONNECTED);
        assertThat(System.nanoTime() - heard).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(600));
        assertThat(ui.<String>get(m -> m.daemon("quiet").error)).matches("no word from the daemon for \\d+ s \\(its heartbeats stopped\\):"
                + " the host or the network may be down");
        NetworkTest.await("the old stream cancelled", first::cancelled);
        var again = FakeDaemon.next(quiet.watches);
        assertThat(again.request().getFromSequence()).isEqualTo(5);
        again.response().onNext(P.heartbeat(4));
        ui.await("live again", m -> m.daemon("quiet").link == DaemonView.Link.CONNECTED);
    }

    @Test
    void aSocketThatBecameUnsafeIsNotDialledAgain() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rt"));
        Path socket = dir.resolve("default.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            NetworkTest.TestUi ui = new NetworkTest.TestUi(List.of("default"));
            closing.add(ui.thread::shutdownNow);
            DaemonTarget t = DaemonTarget.unix(socket);
            DaemonChannel channel = DaemonChannel.open(t); // checked and found sound
            closing.add(channel::close);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // then opened to everyone
            DaemonLink link = new DaemonLink(new Target("default", t), channel, ui, timer);
            closing.add(link::close);

            link.start();

            ui.await("the refusal shown", m -> m.daemon("default").error.startsWith("refusing " + socket + ": its directory " + dir
                    + " is writable by others"));
            assertThat(ui.<DaemonView.Link>get(m -> m.daemon("default").link)).isEqualTo(DaemonView.Link.DISCONNECTED);
        }
    }
}
