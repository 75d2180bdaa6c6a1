package dev.taskmaster.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.config.TlsSpec;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.server.security.SocketAccess;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.server.transport.tls.PemFiles;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server on real sockets: the Unix socket and TCP listeners serve the same services
 * through the same interceptors, calls over TLS carry the TLS session (with the client's
 * certificate) in their attributes, and a certificate reload leaves open connections alone.
 */
class ApiServerTest {

    @TempDir
    Path tmp;

    /** What one call looked like to an interceptor. */
    record Seen(String method, Object remote, Optional<SSLSession> tls) {
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    ApiServer api;

    final ServerInterceptor recorder = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            seen.add(new Seen(call.getMethodDescriptor().getBareMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                    Optional.ofNullable(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))));
            return next.startCall(call, headers);
        }
    };

    /** An interceptor that refuses everything, to show that interceptors really sit in front of every service. */
    static final ServerInterceptor closed = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            call.close(Status.PERMISSION_DENIED.withDescription("closed"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
    };

    static final class Info extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {
        @Override
        public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
            response.onNext(GetServerInfoResponse.newBuilder().setInstanceName("test").build());
            response.onCompleted();
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (api != null) {
            api.close();
        }
    }

    private ManagedChannel channel(String target, ChannelCredentials credentials) {
        ManagedChannel c = Grpc.newChannelBuilder(target, credentials).build();
        channels.add(c);
        return c;
    }

    private static ChannelCredentials mtls(Path ca, Path[] client) throws IOException {
        return TlsChannelCredentials.newBuilder().trustManager(ca.toFile())
                .keyManager(client[0].toFile(), client[1].toFile()).build();
    }

    private static String info(ManagedChannel c) {
        return TaskmasterServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getServerInfo(GetServerInfoRequest.getDefaultInstance()).getInstanceName();
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private ApiServer start(List<ListenerSpec> listeners, List<ServerInterceptor> interceptors) throws IOException {
        List<TcpEndpoint> endpoints = new java.util.ArrayList<>();
        for (ListenerSpec l : listeners) {
            endpoints.add(TcpEndpoint.prepare(l));
        }
        api = new ApiServer(tmp.resolve("api.sock"), endpoints, Info::new, interceptors, SocketAccess.of(List.of()));
        api.start();
        return api;
    }

    @Test
    void everyListenerServesTheSameInterceptedServicesAndTlsCallsCarryTheirSession() throws Exception {
        TestPki pki = new TestPki(tmp, "main");
        Path[] server = pki.server("server", Duration.ZERO, Duration.ofDays(1));
        Path[] alice = pki.client("alice", "operator");
        TlsSpec tls = new TlsSpec(server[0], server[1], Optional.of(pki.caFile()));
        start(List.of(new ListenerSpec("127.0.0.1", 0, Optional.of(tls)), new ListenerSpec("127.0.0.1", 0, Optional.empty()),
                new ListenerSpec("::1", 0, Optional.of(tls))), List.of(recorder));
        List<String> addresses = api.tcpAddresses();
        assertThat(addresses).hasSize(3);
        assertThat(addresses.get(0)).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
        assertThat(addresses.get(2)).matches("\\[::1\\]:[1-9][0-9]*");
        assertThat(addresses).doesNotHaveDuplicates();

        assertThat(info(channel("unix://" + tmp.resolve("api.sock"), InsecureChannelCredentials.create()))).isEqualTo("test");
        ManagedChannel secure = channel(addresses.get(0), mtls(pki.caFile(), alice));
        assertThat(info(secure)).isEqualTo("test");
        assertThat(HealthGrpc.newBlockingStub(secure).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus().name()).isEqualTo("SERVING");
        assertThat(info(channel(addresses.get(1), InsecureChannelCredentials.create()))).isEqualTo("test");
        assertThat(info(channel(addresses.get(2), mtls(pki.caFile(), alice)))).isEqualTo("test");

        assertThat(seen).extracting(Seen::method).containsExactly("GetServerInfo", "GetServerInfo", "Check",
                "GetServerInfo", "GetServerInfo");
        assertThat(seen.get(0).remote()).isInstanceOf(DomainSocketAddress.class);
        assertThat(seen.get(0).tls()).isEmpty();
        assertThat(seen.get(3).remote()).isInstanceOf(InetSocketAddress.class);
        assertThat(seen.get(3).tls()).as("plaintext on loopback has no TLS session").isEmpty();
        for (Seen s : List.of(seen.get(1), seen.get(2), seen.get(4))) {
            SSLSession session = s.tls().orElseThrow();
            assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
            assertThat(((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName())
                    .isEqualTo("CN=alice,OU=operator");
        }
        assertThat(((InetSocketAddress) seen.get(4).remote()).getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void interceptorsGuardEveryServiceOnEveryListener() throws Exception {
        // A host name as the address: resolved at start, and reported as written, with the port bound.
        start(List.of(new ListenerSpec("localhost", 0, Optional.empty())), List.of(closed));
        assertThat(api.tcpAddresses()).singleElement().asString().matches("localhost:[1-9][0-9]*");
        for (ManagedChannel c : List.of(channel("unix://" + tmp.resolve("api.sock"), InsecureChannelCredentials.create()),
                channel(api.tcpAddresses().getFirst(), InsecureChannelCredentials.create()))) {
            assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> info(c)).getStatus().getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(c)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()))
                    .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
    }

    @Test
    void aReloadChangesWhatNewConnectionsGetAndNothingElse() throws Exception {
        TestPki pki = new TestPki(tmp, "main");
        Path[] server = pki.server("server", Duration.ZERO, Duration.ofDays(1));
        Path[] alice = pki.client("alice", "operator");
        Path clientCa = Files.copy(pki.caFile(), tmp.resolve("clients.crt"));
        start(List.of(new ListenerSpec("127.0.0.1", 0, Optional.of(new TlsSpec(server[0], server[1], Optional.of(clientCa))))),
                List.of());
        int port = port(api.tcpAddresses().getFirst());
        ManagedChannel open = channel(api.tcpAddresses().getFirst(), mtls(pki.caFile(), alice));
        assertThat(info(open)).isEqualTo("test");
        X509Certificate first = TestPki.serverCertificate(port, pki.caFile(), alice[0], alice[1]);

        // A renewed certificate (another key, the same CA) goes to new connections.
        Path[] renewed = pki.server("renewed", Duration.ZERO, Duration.ofDays(1));
        Files.copy(renewed[0], server[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed[1], server[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        api.reloadCertificates();
        X509Certificate second = TestPki.serverCertificate(port, pki.caFile(), alice[0], alice[1]);
        assertThat(second).isNotEqualTo(first);
        assertThat(second.getSubjectX500Principal().getName()).isEqualTo("CN=renewed.test");
        assertThat(info(open)).as("the connection made before the reload").isEqualTo("test");

        // A key that is not the certificate's keeps the renewed one.
        Files.copy(alice[1], server[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        api.reloadCertificates();
        assertThat(TestPki.serverCertificate(port, pki.caFile(), alice[0], alice[1])).isEqualTo(second);

        // A new client CA: alice's certificate no longer opens a connection, but hers stays open.
        TestPki other = new TestPki(tmp, "other");
        Path[] bob = other.client("bob", "viewer");
        Files.copy(other.caFile(), clientCa, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        api.reloadCertificates();
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> info(channel(api.tcpAddresses().getFirst(), mtls(pki.caFile(), alice))));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(info(channel(api.tcpAddresses().getFirst(), mtls(pki.caFile(), bob)))).isEqualTo("test");
        assertThat(info(open)).as("alice's connection from before").isEqualTo("test");
    }

    /**
     * Handshakes never pair one identity's certificate with another's key, however reloads and
     * handshakes interleave: each of many handshakes during many reloads succeeds and shows one
     * of the two certificates.
     */
    @Test
    void handshakesDuringReloadsAlwaysGetAMatchingCertificateAndKey() throws Exception {
        TestPki pki = new TestPki(tmp, "main");
        Path[] server = pki.server("server", Duration.ZERO, Duration.ofDays(1));
        Path[] alice = pki.client("alice", "operator");
        Path[] a = {Files.copy(server[0], tmp.resolve("a.crt")), Files.copy(server[1], tmp.resolve("a.key"))};
        Path[] b = pki.server("b", Duration.ZERO, Duration.ofDays(1));
        start(List.of(new ListenerSpec("127.0.0.1", 0, Optional.of(new TlsSpec(server[0], server[1], Optional.empty())))),
                List.of());
        int port = port(api.tcpAddresses().getFirst());
        java.util.Set<String> shown = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean reloading = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        Thread client = Thread.ofPlatform().start(() -> {
            while (reloading.get()) {
                try {
                    shown.add(TestPki.serverCertificate(port, pki.caFile(), alice[0], alice[1])
                            .getSubjectX500Principal().getName());
                    handshakes.incrementAndGet();
                } catch (Exception e) {
                    failures.add(e);
                }
            }
        });
        try {
            for (int i = 0; i < 200; i++) {
                Path[] next = i % 2 == 0 ? b : a;
                Files.copy(next[0], server[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(next[1], server[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                api.reloadCertificates();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (handshakes.get() < 50 && System.nanoTime() < deadline) {
                for (int i = 0; i < 10; i++) {
                    Path[] next = i % 2 == 0 ? b : a;
                    Files.copy(next[0], server[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.copy(next[1], server[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    api.reloadCertificates();
                }
            }
        } finally {
            reloading.set(false);
            client.join();
        }
        assertThat(failures).isEmpty();
        assertThat(handshakes.get()).isGreaterThanOrEqualTo(50);
        assertThat(shown).as("both identities were served").containsExactlyInAnyOrder("CN=server.test", "CN=b.test");
    }

    @Test
    void aPortInUseIsOneLineBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            IOException e = catchThrowableOfType(IOException.class,
                    () -> TcpEndpoint.prepare(new ListenerSpec("127.0.0.1", taken.getLocalPort(), Optional.empty())));
            assertThat(e).hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
        }
        IOException foreign = catchThrowableOfType(IOException.class,
                () -> TcpEndpoint.prepare(new ListenerSpec("192.0.2.1", 7443, Optional.empty())));
        assertThat(foreign).hasMessage("cannot listen on 192.0.2.1:7443: 192.0.2.1 is 192.0.2.1, not a loopback address,"
                + " and a listener without tls must stay on loopback");
        TestPki pki = new TestPki(tmp, "main");
        Path[] server = pki.server("server", Duration.ZERO, Duration.ofDays(1));
        IOException notOurs = catchThrowableOfType(IOException.class, () -> TcpEndpoint.prepare(
                new ListenerSpec("192.0.2.1", 7443, Optional.of(new TlsSpec(server[0], server[1], Optional.empty())))));
        assertThat(notOurs).hasMessage("cannot listen on 192.0.2.1:7443: cannot assign requested address"
                + " (it is not an address of this machine)");
        Path[] alice = pki.client("alice", "viewer");
        IOException mismatch = catchThrowableOfType(IOException.class, () -> TcpEndpoint.prepare(
                new ListenerSpec("127.0.0.1", 0, Optional.of(new TlsSpec(server[0], alice[1], Optional.empty())))));
        assertThat(mismatch).hasMessage("cannot listen on 127.0.0.1:0: " + alice[1]
                + ": this private key does not belong to the certificate in " + server[0]);
        assertThat(PemFiles.certificates(server[0])).hasSize(1);
    }
}
