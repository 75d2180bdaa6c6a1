package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} and {@code info} across several daemons ({@code --all-contexts}, a repeated
 * {@code --context}): real gRPC servers on 127.0.0.2…, over mutual TLS with certificates made at
 * test time, one context each; hosts that are down, untrusted or refused, and the verbs that
 * must not fan out.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FleetTest extends CtlTest {

    @TempDir
    static Path pkiDir;
    static TestPki pki;
    static TestPki other;
    static TestPki.Issued serverCert;
    static TestPki.Issued client;

    private final List<TlsFakeDaemon> remotes = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        pki = TestPki.create(pkiDir, "ca");
        other = TestPki.create(pkiDir, "other");
        serverCert = pki.server("fleet", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6");
        client = pki.client("ops", "viewer");
    }

    /** The connections taskmasterctl makes: several daemons share an event loop and a TLS context. */
    @BeforeEach
    void realConnections() {
        opener = new Session.RealChannels();
    }

    @AfterEach
    void stopRemotes() throws InterruptedException {
        for (TlsFakeDaemon r : remotes) {
            r.close();
        }
    }

    /** A daemon on {@code ip} serving {@code service} over mutual TLS, and a context called {@code name} for it. */
    private TlsFakeDaemon host(String name, String ip, BindableService service) throws IOException {
        return host(name, ip, serverCert, service);
    }

    private TlsFakeDaemon host(String name, String ip, TestPki.Issued cert, BindableService service) throws IOException {
        TlsFakeDaemon d = TlsFakeDaemon.tls(ip, 0, cert, pki.caFile(), true, null, service);
        remotes.add(d);
        Result added = run("context", "add", name, "--server", d.address(), "--ca", pki.caFile().toString(),
                "--cert", client.certFile().toString(), "--key", client.keyFile().toString());
        assertThat(added.exit()).as(added.err()).isZero();
        return d;
    }

    /** A context whose daemon is gone: its port, just closed, refuses connections. */
    private String downHost(String name, String ip) throws Exception {
        TlsFakeDaemon d = host(name, ip, serving(name));
        String address = d.address();
        remotes.remove(d);
        d.close();
        return address;
    }

    /** A daemon with these processes (RUNNING web unless told), whose host name is {@code hostname}. */
    static BindableService serving(String hostname, ProcessInfo... processes) {
        List<ProcessInfo> list = processes.length == 0 ? List.of(Fixtures.running("web", 100, 60)) : List.of(processes);
        return new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
            @Override
            public void listProcesses(ListProcessesRequest request, StreamObserver<ListProcessesResponse> response) {
                List<ProcessInfo> matched = list.stream()
                        .filter(p -> request.getTargetsList().isEmpty() || request.getTargetsList().contains(p.getFullName())).toList();
                if (matched.isEmpty() && !request.getTargetsList().isEmpty()) {
                    response.onError(Status.NOT_FOUND.withDescription("no process \"" + request.getTargets(0) + "\"").asRuntimeException());
                    return;
                }
                response.onNext(ListProcessesResponse.newBuilder().addAllProcesses(matched).build());
                response.onCompleted();
            }

            @Override
            public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
                response.onNext(GetServerInfoResponse.newBuilder().setVersion("1.2.3").setInstanceName("default").setPid(4242)
                        .setHostname(hostname).setProgramCount(list.size()).setProcessCount(list.size()).build());
                response.onCompleted();
            }
        };
    }

    // ---- status ------------------------------------------------------------------------------

    @Test
    void everyHostInOneTableWithAHostColumnFirst() throws Exception {
        host("alpha", "127.0.0.2", serving("a", Fixtures.running("web", 101, 62), Fixtures.running("worker:0", 102, 3)));
        host("beta-long", "127.0.0.3", serving("b", Fixtures.running("db", 201, 3723)));

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.outLines()).containsExactly(
                "HOST       NAME      STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "alpha      web       RUNNING  101  0:01:02  0",
                "alpha      worker:0  RUNNING  102  0:00:03  0",
                "beta-long  db        RUNNING  201  1:02:03  0");
    }

    @Test
    void aHostThatIsDownIsOneLineOnStderrAndTheOthersAreShown() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        String down = downHost("beta", "127.0.0.3");
        host("gamma", "127.0.0.4", serving("c", Fixtures.running("db", 300, 1)));

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.outLines()).hasSize(3).anyMatch(l -> l.startsWith("alpha  web ")).anyMatch(l -> l.startsWith("gamma  db "));
        assertThat(r.err()).isEqualTo("taskmasterctl: beta: cannot reach taskmasterd at " + down
                + " (connection refused: nothing listens on that port)\n");
    }

    @Test
    void everyHostDownStillNamesEachAndPrintsNoTable() throws Exception {
        String a = downHost("alpha", "127.0.0.2");
        String b = downHost("beta", "127.0.0.3");

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).containsExactly(
                "taskmasterctl: alpha: cannot reach taskmasterd at " + a + " (connection refused: nothing listens on that port)",
                "taskmasterctl: beta: cannot reach taskmasterd at " + b + " (connection refused: nothing listens on that port)");
    }

    @Test
    void aHostThatNeverAnswersIsGivenUpAtTheTimeoutAndTheOthersAreShown() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        // Accepts connections (the kernel does) but never speaks: no TLS handshake ever completes.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.3"))) {
            String address = "127.0.0.3:" + silent.getLocalPort();
            assertThat(run("context", "add", "beta", "--server", address, "--ca", pki.caFile().toString(),
                    "--cert", client.certFile().toString(), "--key", client.keyFile().toString()).exit()).isZero();

            Result r = run("--timeout", "700ms", "--all-contexts", "status");

            assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(r.outLines()).hasSize(2).last().asString().startsWith("alpha  web");
            assertThat(r.err()).startsWith("taskmasterctl: beta: cannot reach taskmasterd at " + address
                    + " (no connection within the deadline").hasLineCount(1);
        }
    }

    @Test
    void aProcessNotRunningOnAnyHostIs3() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        host("beta", "127.0.0.3", serving("b", Fixtures.fatal("web", "/bin/web: no such file", 3)));

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_RUNNING);
        assertThat(r.outLines()).anyMatch(l -> l.startsWith("beta   web   FATAL"));
    }

    @Test
    void aHostThatCouldNotAnswerOutranksAProcessNotRunning() throws Exception {
        host("alpha", "127.0.0.2", serving("a", Fixtures.fatal("web", "/bin/web: no such file", 3)));
        downHost("beta", "127.0.0.3");

        assertThat(run("--all-contexts", "status").exit()).isEqualTo(ExitCodes.UNREACHABLE);
    }

    @Test
    void theHighestCodeOfTheHostsThatFailedWins() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        downHost("beta", "127.0.0.3"); // 6
        // A daemon whose certificate is from another CA: 5.
        host("gamma", "127.0.0.4", other.server("stranger", "127.0.0.4"), serving("c"));
        // A context whose key others may now read: refused here, 7, and nothing is sent.
        TestPki.Issued leaky = pki.client("leaky", "viewer");
        TlsFakeDaemon delta = TlsFakeDaemon.tls("127.0.0.5", 0, serverCert, pki.caFile(), true, null, serving("d"));
        remotes.add(delta);
        assertThat(run("context", "add", "delta", "--server", delta.address(), "--ca", pki.caFile().toString(),
                "--cert", leaky.certFile().toString(), "--key", leaky.keyFile().toString()).exit()).isZero();
        Files.setPosixFilePermissions(leaky.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.outLines()).hasSize(2).last().asString().startsWith("alpha  web");
        List<String> errors = r.err().lines().toList();
        assertThat(errors).hasSize(3);
        assertThat(errors.get(0)).startsWith("taskmasterctl: beta: cannot reach taskmasterd at 127.0.0.3:");
        assertThat(errors.get(1)).isEqualTo("taskmasterctl: gamma: cannot trust taskmasterd at " + remotes.get(1).address()
                + ": its certificate (CN=stranger, issued by CN=other) is not signed by the CA in " + pki.caFile());
        assertThat(errors.get(2)).startsWith("taskmasterctl: delta: refusing --key " + leaky.keyFile() + ": it is open to others");
        assertThat(delta.calls()).isEmpty();
    }

    @Test
    void aTargetAHostDoesNotHaveIsThatHostsNotFound() throws Exception {
        host("alpha", "127.0.0.2", serving("a", Fixtures.running("web", 1, 1), Fixtures.running("db", 2, 1)));
        host("beta", "127.0.0.3", serving("b", Fixtures.running("web", 3, 1)));

        Result r = run("--all-contexts", "status", "db");

        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.outLines()).containsExactly(
                "HOST   NAME  STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "alpha  db    RUNNING  2    0:00:01  0");
        assertThat(r.err()).isEqualTo("taskmasterctl: beta: no process \"db\"\n");
    }

    @Test
    void aHostWithNoProcessesHasARowSayingSo() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        TlsFakeDaemon empty = TlsFakeDaemon.tls("127.0.0.3", 0, serverCert, pki.caFile(), true, null,
                new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
                    @Override
                    public void listProcesses(ListProcessesRequest request, StreamObserver<ListProcessesResponse> response) {
                        response.onNext(ListProcessesResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                });
        remotes.add(empty);
        run("context", "add", "beta", "--server", empty.address(), "--ca", pki.caFile().toString(),
                "--cert", client.certFile().toString(), "--key", client.keyFile().toString());

        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.outLines()).last().isEqualTo("beta   -     -        -    -        -         no processes");
    }

    @Test
    void repeatedContextsAreTheHostsNamedInTheirOrderOnce() throws Exception {
        TlsFakeDaemon a = host("alpha", "127.0.0.2", serving("a"));
        TlsFakeDaemon b = host("beta", "127.0.0.3", serving("b"));
        TlsFakeDaemon c = host("gamma", "127.0.0.4", serving("c"));

        Result r = run("status", "--context", "gamma", "--context", "alpha", "--context", "gamma");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.outLines()).extracting(l -> l.split(" +")[0]).containsExactly("HOST", "gamma", "alpha");
        assertThat(a.calls()).hasSize(1);
        assertThat(b.calls()).isEmpty();
        assertThat(c.calls()).hasSize(1).allSatisfy(s -> assertThat(s.clientSubject()).isEqualTo("CN=ops,OU=viewer"));
    }

    @Test
    void theCallsAreMadeAtOnce() throws Exception {
        // Each daemon holds its answer until all four have been asked: one after the other, the
        // first would wait in vain and answer UNAVAILABLE.
        int n = 4;
        CountDownLatch asked = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            host("h" + i, "127.0.0." + (2 + i), new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
                @Override
                public void listProcesses(ListProcessesRequest request, StreamObserver<ListProcessesResponse> response) {
                    asked.countDown();
                    try {
                        if (!asked.await(10, TimeUnit.SECONDS)) {
                            response.onError(Status.UNAVAILABLE.withDescription("the calls came one by one").asRuntimeException());
                            return;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    response.onNext(ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web", 1, 1)).build());
                    response.onCompleted();
                }
            });
        }

        Result r = run("--timeout", "30s", "--all-contexts", "status");

        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.outLines()).hasSize(1 + n);
    }

    @Test
    void jsonIsOneObjectPerHostWithTheResponseOrTheError() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));
        String down = downHost("beta", "127.0.0.3");

        Result r = run("--all-contexts", "status", "--json");

        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        List<String> lines = r.outLines();
        assertThat(lines).hasSize(2);
        JsonObject alpha = JsonShape.object(lines.get(0));
        assertThat(alpha.keySet()).as("the same keys on every line").containsExactly("host", "response", "error");
        assertThat(alpha.get("host").getAsString()).isEqualTo("alpha");
        assertThat(alpha.get("error").isJsonNull()).isTrue();
        assertThat(JsonShape.primitive(alpha, "response", "processes", 0, "fullName").getAsString()).isEqualTo("web");
        ListProcessesResponse.Builder response = ListProcessesResponse.newBuilder();
        JsonShape.read(alpha.getAsJsonObject("response"), response, "response");
        assertThat(response.build()).as("the response in the shape of every --json")
                .isEqualTo(ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web", 100, 60)).build());
        JsonObject beta = JsonShape.object(lines.get(1));
        assertThat(beta.keySet()).containsExactly("host", "response", "error");
        assertThat(beta.get("host").getAsString()).isEqualTo("beta");
        assertThat(beta.get("response").isJsonNull()).isTrue();
        JsonObject error = beta.getAsJsonObject("error");
        assertThat(error.keySet()).containsExactly("exitCode", "message");
        assertThat(error.get("exitCode").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(error.get("exitCode").getAsInt()).isEqualTo(6);
        assertThat(error.get("message").getAsString())
                .isEqualTo("cannot reach taskmasterd at " + down + " (connection refused: nothing listens on that port)");
        assertThat(r.err()).hasLineCount(1).startsWith("taskmasterctl: beta: cannot reach");
    }

    // ---- info --------------------------------------------------------------------------------

    @Test
    void infoPutsEachHostsLinesAfterItsName() throws Exception {
        host("alpha", "127.0.0.2", serving("box-a"));
        host("b", "127.0.0.3", serving("box-b"));

        Result r = run("--all-contexts", "info");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.outLines()).contains("alpha  host:      box-a", "b      host:      box-b", "alpha  version:   1.2.3");
        assertThat(r.outLines()).allMatch(l -> l.startsWith("alpha  ") || l.startsWith("b      "));
        assertThat(r.outLines().stream().filter(l -> l.startsWith("alpha")).count()).isEqualTo(13);
    }

    @Test
    void infoJsonAndAHostDown() throws Exception {
        host("alpha", "127.0.0.2", serving("box-a"));
        downHost("beta", "127.0.0.3");

        Result r = run("info", "--all-contexts", "--json");

        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.outLines()).hasSize(2);
        assertThat(r.outLines().get(0)).startsWith("{\"host\":\"alpha\",\"response\":{").contains("\"hostname\":\"box-a\"")
                .endsWith("},\"error\":null}");
        assertThat(r.outLines().get(1))
                .startsWith("{\"host\":\"beta\",\"response\":null,\"error\":{\"exitCode\":6,\"message\":\"cannot reach taskmasterd at");
    }

    // ---- refused -----------------------------------------------------------------------------

    @Test
    void otherVerbsRefuseSeveralDaemonsBeforeSendingAnything() throws Exception {
        TlsFakeDaemon a = host("alpha", "127.0.0.2", serving("a"));
        TlsFakeDaemon b = host("beta", "127.0.0.3", serving("b"));

        java.util.Map<String, String[]> lines = java.util.Map.of(
                "stop", new String[] {"--all-contexts", "stop", "web"},
                "pid", new String[] {"--context", "alpha", "--context", "beta", "pid"},
                "attach", new String[] {"attach", "web", "--all-contexts"},
                "version", new String[] {"--all-contexts", "version"},
                "context", new String[] {"--all-contexts", "context", "list"});
        lines.forEach((verb, line) -> {
            Result r = run(line);
            assertThat(r.exit()).as(String.join(" ", line)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err().lines().findFirst()).hasValue("taskmasterctl: " + verb + " talks to one daemon: --all-contexts and a"
                    + " repeated --context work with status and info only");
        });
        assertThat(a.calls()).isEmpty();
        assertThat(b.calls()).isEmpty();
    }

    @Test
    void theShellTalksToOneDaemon() {
        Result r = run("--all-contexts");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("taskmasterctl: the shell talks to one daemon: give at most one --context");
    }

    @Test
    void helpStillWorksWithSeveralContexts() {
        Result r = run("--all-contexts", "status", "--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--all-contexts");
    }

    @Test
    void anAddressCannotBeMixedWithSeveralContexts() throws Exception {
        host("alpha", "127.0.0.2", serving("a"));

        Result r = run("--all-contexts", "--server", "127.0.0.9:7443", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: --server cannot be combined with --all-contexts or a repeated --context:"
                + " each context names its own daemon\n");
    }

    @Test
    void allContextsWithoutAnyIsBadUsage() {
        Result r = run("--all-contexts", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: --all-contexts: there are no contexts in "
                + configHome.resolve("taskmaster/contexts.yaml") + "; add one with: taskmasterctl context add NAME --server ADDRESS\n");
    }

    @Test
    void anUnknownContextAmongSeveralIsBadUsageAndNothingIsSent() throws Exception {
        TlsFakeDaemon a = host("alpha", "127.0.0.2", serving("a"));

        Result r = run("--context", "alpha", "--context", "nope", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("taskmasterctl: no context \"nope\" in ").endsWith("; known: alpha\n");
        assertThat(a.calls()).isEmpty();
    }
}
