package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DaemonChannels}: several real TLS daemons (127.0.0.2…) reached over one event loop with
 * one TLS context per set of credentials, each connection still checked, failing and explained
 * on its own.
 */
class DaemonChannelsTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki other;
    static TestPki.Issued daemonCert;
    static TestPki.Issued client;

    private final List<TlsFakeDaemon> daemons = new ArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir, "ca");
        other = TestPki.create(dir, "other");
        daemonCert = pki.server("daemon", "127.0.0.2", "127.0.0.3", "127.0.0.4");
        client = pki.client("fleet", "viewer");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (TlsFakeDaemon d : daemons) {
            d.close();
        }
    }

    private TlsFakeDaemon daemon(String ip, TestPki.Issued cert) throws Exception {
        TlsFakeDaemon d = TlsFakeDaemon.tls(ip, cert, pki.caFile(), true, null);
        daemons.add(d);
        return d;
    }

    private static DaemonTarget target(TlsFakeDaemon d, ClientSecurity s) {
        return new DaemonTarget(ServerAddress.parse(d.address()), s, null);
    }

    private static ClientSecurity mutual(TestPki.Issued cert) {
        return new ClientSecurity(pki.caFile(), cert.certFile(), cert.keyFile(), null, false);
    }

    /** Every call sent first, then each awaited: the way taskmasterctl status --all-contexts calls. */
    private static List<Object> callAll(List<DaemonChannel> channels) throws InterruptedException {
        List<Future<ListProcessesResponse>> futures = new ArrayList<>();
        for (DaemonChannel c : channels) {
            futures.add(TaskmasterServiceGrpc.newFutureStub(c.channel()).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .listProcesses(ListProcessesRequest.getDefaultInstance()));
        }
        List<Object> out = new ArrayList<>();
        for (Future<ListProcessesResponse> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                out.add(e.getCause());
            }
        }
        return out;
    }

    @Test
    void severalDaemonsAnswerOverOneLoop() throws Exception {
        TlsFakeDaemon a = daemon("127.0.0.2", daemonCert);
        TlsFakeDaemon b = daemon("127.0.0.3", daemonCert);
        TlsFakeDaemon c = daemon("127.0.0.4", daemonCert);
        List<DaemonChannel> channels = new ArrayList<>();
        try (DaemonChannels group = new DaemonChannels(2)) {
            for (TlsFakeDaemon d : List.of(a, b, c)) {
                channels.add(group.open(target(d, mutual(client))));
            }

            List<Object> answers = callAll(channels);

            assertThat(answers).allSatisfy(x -> assertThat(x).isInstanceOf(ListProcessesResponse.class));
            for (TlsFakeDaemon d : List.of(a, b, c)) {
                assertThat(d.calls()).singleElement().satisfies(s -> assertThat(s.clientSubject()).isEqualTo("CN=fleet,OU=viewer"));
            }
        }
        assertThat(channels).allSatisfy(ch -> assertThat(ch.channel().isTerminated()).isTrue());
    }

    @Test
    void anUntrustedDaemonIsExplainedWithItsOwnAddressAndTheOthersAnswer() throws Exception {
        TlsFakeDaemon good = daemon("127.0.0.2", daemonCert);
        TlsFakeDaemon stranger = daemon("127.0.0.3", other.server("stranger", "127.0.0.3"));
        TlsFakeDaemon alsoGood = daemon("127.0.0.4", daemonCert);
        try (DaemonChannels group = new DaemonChannels(2)) {
            List<DaemonTarget> targets = List.of(target(good, mutual(client)), target(stranger, mutual(client)),
                    target(alsoGood, mutual(client)));
            List<DaemonChannel> channels = new ArrayList<>();
            targets.forEach(t -> channels.add(group.open(t)));

            List<Object> answers = callAll(channels);

            assertThat(answers.get(0)).isInstanceOf(ListProcessesResponse.class);
            assertThat(answers.get(2)).isInstanceOf(ListProcessesResponse.class);
            assertThat(answers.get(1)).isInstanceOf(StatusRuntimeException.class);
            ConnectFailure.Diagnosis d = ConnectFailure.of(((StatusRuntimeException) answers.get(1)).getStatus(), targets.get(1)).orElseThrow();
            assertThat(d.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(d.line()).isEqualTo("cannot trust taskmasterd at " + stranger.address()
                    + ": its certificate (CN=stranger, issued by CN=other) is not signed by the CA in " + pki.caFile());
        }
    }

    @Test
    void theTlsContextOfOneSetOfCredentialsIsBuiltOnce() throws Exception {
        TlsFakeDaemon a = daemon("127.0.0.2", daemonCert);
        TlsFakeDaemon b = daemon("127.0.0.3", daemonCert);
        TestPki.Issued mine = pki.client("once", "viewer");
        try (DaemonChannels group = new DaemonChannels(1)) {
            DaemonChannel first = group.open(target(a, mutual(mine)));
            // The key file is spoiled after the first connection was set up: the second, with the
            // same credentials, uses what was read then; a connection on its own reads it again.
            Files.writeString(mine.keyFile(), "not a key\n");
            DaemonChannel second = group.open(target(b, mutual(mine)));

            assertThat(callAll(List.of(first, second))).allSatisfy(x -> assertThat(x).isInstanceOf(ListProcessesResponse.class));
            assertThatThrownBy(() -> DaemonChannel.open(target(b, mutual(mine)))).isInstanceOf(TargetException.class)
                    .hasMessageContaining(mine.keyFile().toString());
        }
    }

    @Test
    void credentialsThatCannotBeUsedRefuseThatTargetOnly() throws Exception {
        TlsFakeDaemon a = daemon("127.0.0.2", daemonCert);
        TlsFakeDaemon b = daemon("127.0.0.3", daemonCert);
        TestPki.Issued leaky = pki.client("leaky", "viewer");
        Files.setPosixFilePermissions(leaky.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        try (DaemonChannels group = new DaemonChannels(1)) {
            assertThatThrownBy(() -> group.open(target(a, mutual(leaky)))).isInstanceOf(TargetException.class)
                    .satisfies(e -> assertThat(((TargetException) e).kind()).isEqualTo(TargetException.Kind.UNSAFE));
            DaemonChannel fine = group.open(target(b, mutual(client)));

            assertThat(callAll(List.of(fine))).singleElement().isInstanceOf(ListProcessesResponse.class);
            assertThat(a.calls()).isEmpty();
        }
    }
}
