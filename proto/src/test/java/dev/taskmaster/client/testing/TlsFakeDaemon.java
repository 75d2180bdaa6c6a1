package dev.taskmaster.client.testing;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.ShutdownResponse;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A real gRPC server on a real TCP port (127.0.0.x, port 0), with TLS (or without, for
 * loopback plaintext), serving a small TaskmasterService and recording what each call carried:
 * its {@code authorization} header and the client certificate TLS verified. With a token set,
 * calls without it (or with another) fail UNAUTHENTICATED, as the real daemon's will; Shutdown
 * fails PERMISSION_DENIED with a sentence naming the role it needs.
 *
 * <p>Threads: gRPC's. The recordings are concurrent queues, readable from the test thread.
 */
public final class TlsFakeDaemon implements AutoCloseable {

    /** What one call carried. */
    public record Seen(String method, String authorization, String clientSubject) {}

    public static final String HOSTNAME = "tls-fake";

    /**
     * A client that does not speak TLS to it is logged at INFO with a hex dump: expected in these
     * tests, so kept out of their output. Held in a field: JUL loggers are weak references.
     */
    private static final java.util.logging.Logger TRANSPORT_LOG = quiet("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(name);
        log.setLevel(java.util.logging.Level.WARNING);
        return log;
    }
    public static final String PERMISSION_SENTENCE = "Shutdown needs the admin role; cert CN=ops-laptop is operator";

    /** Calls seen, in order. */
    private final Queue<Seen> seen;
    private final Server server;
    private final String host;

    private TlsFakeDaemon(Server server, String host, Queue<Seen> seen) {
        this.server = server;
        this.host = host;
        this.seen = seen;
    }

    /**
     * Serves TLS on {@code bindAddress}:0 with {@code serverCert}.
     *
     * @param clientCa     the CA client certificates must come from; null: no client certificate asked
     * @param requireCert  with a client CA: refuse a connection without a client certificate
     * @param token        the bearer token calls must carry; null: none needed
     */
    public static TlsFakeDaemon tls(String bindAddress, TestPki.Issued serverCert, Path clientCa, boolean requireCert, String token)
            throws IOException {
        return tls(bindAddress, 0, serverCert, clientCa, requireCert, token, service());
    }

    /**
     * As {@link #tls(String, TestPki.Issued, Path, boolean, String)}, on a given port (0: any; a
     * port given again brings a stopped daemon back where it was) serving {@code service}.
     */
    public static TlsFakeDaemon tls(String bindAddress, int port, TestPki.Issued serverCert, Path clientCa, boolean requireCert,
                                    String token, BindableService service) throws IOException {
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(serverCert.certFile().toFile(),
                serverCert.keyFile().toFile());
        if (clientCa != null) {
            b.trustManager(clientCa.toFile()).clientAuth(requireCert ? TlsServerCredentials.ClientAuth.REQUIRE
                    : TlsServerCredentials.ClientAuth.OPTIONAL);
        }
        return start(bindAddress, port, b.build(), token, service);
    }

    /** Serves without TLS (a loopback listener) on {@code bindAddress}:0. */
    public static TlsFakeDaemon plaintext(String bindAddress, String token) throws IOException {
        return start(bindAddress, 0, InsecureServerCredentials.create(), token, service());
    }

    private static TlsFakeDaemon start(String bindAddress, int port, ServerCredentials credentials, String token, BindableService service)
            throws IOException {
        Queue<Seen> seen = new ConcurrentLinkedQueue<>();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port), credentials)
                .addService(ServerInterceptors.intercept(service, new Recorder(seen, token)))
                .build()
                .start();
        return new TlsFakeDaemon(server, bindAddress, seen);
    }

    public int port() {
        return server.getPort();
    }

    /** {@code 127.0.0.1:PORT}, what a client dials. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The small service this daemon serves unless given another. */
    public static BindableService service() {
        return new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
            @Override
            public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
                response.onNext(GetServerInfoResponse.newBuilder().setVersion("9.9.9-tls").setHostname(HOSTNAME)
                        .setInstanceName("default").setJournalId("tls-journal").build());
                response.onCompleted();
            }

            @Override
            public void listProcesses(ListProcessesRequest request, StreamObserver<ListProcessesResponse> response) {
                response.onNext(ListProcessesResponse.newBuilder().addProcesses(web()).build());
                response.onCompleted();
            }

            @Override
            public void watchEvents(WatchEventsRequest request, StreamObserver<WatchEventsResponse> response) {
                response.onNext(WatchEventsResponse.newBuilder().setSnapshot(Snapshot.newBuilder().setJournalId("tls-journal")
                        .setSequence(1).addProcesses(web())).build());
                // Held open until the client cancels or the server stops.
                ((ServerCallStreamObserver<WatchEventsResponse>) response).setOnCancelHandler(() -> { });
            }

            @Override
            public void shutdown(ShutdownRequest request, StreamObserver<ShutdownResponse> response) {
                response.onError(Status.PERMISSION_DENIED.withDescription(PERMISSION_SENTENCE).asRuntimeException());
            }
        };
    }

    /** The one process this daemon has. */
    public static ProcessInfo web() {
        return ProcessInfo.newBuilder().setFullName("web").setName("web").setProgram("web").setGroup("web")
                .setState(ProcessState.PROCESS_STATE_RUNNING).setPid(4242).setDescription("pid 4242").build();
    }

    /** Records each call, then checks its token as the daemon does. */
    private record Recorder(Queue<Seen> seen, String token) implements ServerInterceptor {
        static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String auth = headers.get(AUTHORIZATION);
            seen.add(new Seen(call.getMethodDescriptor().getBareMethodName(), auth, clientSubject(call)));
            if (token != null && auth == null) {
                call.close(Status.UNAUTHENTICATED.withDescription("no credentials: this listener needs a bearer token"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            if (token != null && !auth.equals("Bearer " + token)) {
                call.close(Status.UNAUTHENTICATED.withDescription("unknown bearer token"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return next.startCall(call, headers);
        }

        private static String clientSubject(ServerCall<?, ?> call) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (session == null) {
                return null;
            }
            try {
                Certificate[] chain = session.getPeerCertificates();
                return ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
            } catch (SSLPeerUnverifiedException none) {
                return null;
            }
        }
    }

    /** The calls seen, as a list. */
    public List<Seen> calls() {
        return List.copyOf(seen);
    }
}
