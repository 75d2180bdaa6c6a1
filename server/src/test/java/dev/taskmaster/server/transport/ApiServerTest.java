package dev.taskmaster.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.config.TlsSpec;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.GetProcessResponse;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
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
        /** Each WatchEvents stream sends this much (16 KiB messages) as fast as its client takes it. */
        static final int STREAM_BYTES = 4 << 20;
        static final int MESSAGE_BYTES = 16 << 10;
        /** The open WatchEvents streams, for {@link #endStreams}. */
        final List<io.grpc.stub.ServerCallStreamObserver<WatchEventsResponse>> streams = new CopyOnWriteArrayList<>();
        /** GetProcess calls, which are never answered: a call still in progress at shutdown. */
        final java.util.concurrent.CountDownLatch hanging = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
            response.onNext(GetServerInfoResponse.newBuilder().setInstanceName("test").build());
            response.onCompleted();
        }

        @Override
        public void getProcess(GetProcessRequest request, StreamObserver<GetProcessResponse> response) {
            hanging.countDown();
        }

        @Override
        public void watchEvents(WatchEventsRequest request, StreamObserver<WatchEventsResponse> response) {
            var out = (io.grpc.stub.ServerCallStreamObserver<WatchEventsResponse>) response;
            WatchEventsResponse message = WatchEventsResponse.newBuilder().setSnapshot(Snapshot.newBuilder()
                    .setJournalId("x".repeat(MESSAGE_BYTES))).build();
            int[] sent = {0};
            // Sends while gRPC says the client can take more, and goes on when it says so again.
            out.setOnReadyHandler(() -> {
                synchronized (sent) {
                    while (sent[0] < STREAM_BYTES / MESSAGE_BYTES && out.isReady()) {
                        out.onNext(message);
                        sent[0]++;
                    }
                }
            });
            streams.add(out);
        }

        /** Ends every stream as the daemon does at shutdown, whether or not its client reads. */
        void endStreams() {
            streams.forEach(s -> s.onError(Status.UNAVAILABLE.withDescription("taskmasterd is shutting down").asRuntimeException()));
        }
    }

    /** A WatchEvents client that reads everything, or, stalled, nothing after the first message. */
    static final class Follower implements io.grpc.stub.ClientResponseObserver<WatchEventsRequest, WatchEventsResponse> {
        final java.util.concurrent.CompletableFuture<Status> ended = new java.util.concurrent.CompletableFuture<>();
        final java.util.concurrent.atomic.AtomicLong messages = new java.util.concurrent.atomic.AtomicLong();
        private final boolean stalled;
        private volatile io.grpc.stub.ClientCallStreamObserver<WatchEventsRequest> call;

        Follower(ManagedChannel channel, boolean stalled) {
            this.stalled = stalled;
            TaskmasterServiceGrpc.newStub(channel).watchEvents(WatchEventsRequest.getDefaultInstance(), this);
        }

        @Override
        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchEventsRequest> call) {
            this.call = call;
            if (stalled) {
                call.disableAutoRequestWithInitial(1);
            }
        }

        @Override
        public void onNext(WatchEventsResponse value) {
            messages.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
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
        return start(listeners, interceptors, new Info());
    }

    private ApiServer start(List<ListenerSpec> listeners, List<ServerInterceptor> interceptors, Info service) throws IOException {
        List<TcpEndpoint> endpoints = new java.util.ArrayList<>();
        for (ListenerSpec l : listeners) {
            endpoints.add(TcpEndpoint.prepare(l));
        }
        api = new ApiServer(tmp.resolve("api.sock"), endpoints, () -> service, interceptors, SocketAccess.of(List.of()));
        api.start();
        return api;
    }

    /**
     * At shutdown, once the service has ended its streams, close() waits for no client: one that
     * reads gets every message and the status; one that does not read (its last messages wait
     * behind its full flow-control window) has its connection cut instead of holding the close
     * for the whole grace (here a minute, so that waiting it out would fail the test).
     */
    @org.junit.jupiter.api.RepeatedTest(3)
    void closeWaitsForNoClientOnceTheStreamsAreEndedAndAReadingClientGetsItsStatus() throws Exception {
        Info service = new Info();
        start(List.of(new ListenerSpec("127.0.0.1", 0, Optional.empty())), List.of(recorder), service)
                .grace(Duration.ofMinutes(1));
        List<ManagedChannel> over = List.of(channel("unix://" + tmp.resolve("api.sock"), InsecureChannelCredentials.create()),
                channel(api.tcpAddresses().getFirst(), InsecureChannelCredentials.create()));
        List<Follower> reading = over.stream().map(c -> new Follower(c, false)).toList();
        List<Follower> stalled = over.stream().map(c -> new Follower(c, true)).toList();
        long all = Info.STREAM_BYTES / Info.MESSAGE_BYTES;
        dev.taskmaster.testkit.Poll.until("the readers to get everything and the stalled ones their first message",
                Duration.ofSeconds(30), () -> reading.stream().allMatch(f -> f.messages.get() == all)
                        && stalled.stream().allMatch(f -> f.messages.get() == 1) && service.streams.size() == 4);

        service.endStreams();
        closeWithin(Duration.ofSeconds(30));
        for (Follower f : reading) {
            Status end = f.ended.get(10, TimeUnit.SECONDS);
            assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(end.getDescription()).isEqualTo("taskmasterd is shutting down");
            assertThat(f.messages.get()).isEqualTo(all);
        }
        // A stalled client hears of the end only once it reads what it was sent before: it was cut short.
        for (Follower f : stalled) {
            f.call.request(Integer.MAX_VALUE);
            assertThat(f.ended.get(10, TimeUnit.SECONDS).isOk()).isFalse();
            assertThat(f.messages.get()).as("messages a stalled client got before it was cut").isLessThan(all);
        }
    }

    /** Closes the API on a thread of its own; fails if that takes longer than {@code limit}. */
    private void closeWithin(Duration limit) throws Exception {
        ApiServer closing = api;
        api = null;
        Thread t = Thread.ofPlatform().start(closing::close);
        t.join(limit);
        assertThat(t.isAlive()).as("close() still running after %s", limit).isFalse();
    }

    /** A call the service never answers is cut once the grace is over, and close() returns. */
    @Test
    void aCallStillInProgressAtCloseIsCutAfterTheGrace() throws Exception {
        Info service = new Info();
        start(List.of(), List.of(), service).grace(Duration.ofMillis(200));
        ManagedChannel c = channel("unix://" + tmp.resolve("api.sock"), InsecureChannelCredentials.create());
        java.util.concurrent.CompletableFuture<Status> ended = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                TaskmasterServiceGrpc.newBlockingStub(c).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .getProcess(GetProcessRequest.getDefaultInstance());
                ended.complete(Status.OK);
            } catch (StatusRuntimeException e) {
                ended.complete(e.getStatus());
            }
        });
        assertThat(service.hanging.await(10, TimeUnit.SECONDS)).isTrue();
        closeWithin(Duration.ofSeconds(30));
        assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
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
