package dev.taskmaster.server.transport;

import dev.taskmaster.server.transport.tls.ServerTls;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.Status;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import dev.taskmaster.server.security.SocketAccess;
import dev.taskmaster.server.security.UnixPeerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC API on the instance's Unix socket and on every TCP listener of {@code server.listen}:
 * one set of services (the API, health, reflection) behind one chain of interceptors, served
 * by one gRPC server per listener (each has its own channel type and TLS). Start, reload and
 * close from one thread; the servers' own threads do the serving; {@link #shuttingDown} from any.
 *
 * <p>Health ({@code grpc.health.v1.Health}) answers for the server as a whole ({@code ""}) and
 * for the API service by name ({@code taskmaster.v1.TaskmasterService}): SERVING while up,
 * NOT_SERVING from the moment a shutdown begins, while the processes are still being stopped
 * and before any stream ends. Reflection is served in both versions clients speak: v1 and the
 * older v1alpha (grpcurl before 1.8.8, evans, older grpc-go clients).
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    static final long KEEPALIVE_SECONDS = 60;
    static final long KEEPALIVE_TIMEOUT_SECONDS = 20;
    /** The shortest interval at which a client's keep-alive pings are welcome on a TCP listener. */
    public static final long CLIENT_PING_SECONDS = 20;
    /**
     * How long {@link #close} lets calls still in progress end by themselves (a unary call that
     * came in as the daemon stopped) before it cuts them.
     */
    static final long GRACE_MILLIS = 500;
    /** How long the last messages of ended calls may take to reach their clients at shutdown. */
    static final long FLUSH_MILLIS = 250;
    /** How streams still open at close end (a health watch, reflection): the words every stream ends with. */
    static final Status SHUTTING_DOWN = Status.UNAVAILABLE.withDescription("taskmasterd is shutting down");

    private final Path socket;
    private final List<TcpEndpoint> endpoints;
    private final Supplier<BindableService> service;
    private final List<ServerInterceptor> interceptors;
    private final SocketAccess access;
    private EventLoopGroup loop;
    private final List<Server> servers = new ArrayList<>();
    private final List<String> tcpAddresses = new ArrayList<>();
    /** A bound TCP listener with TLS: the address it is bound to (perhaps a wildcard) and its TLS. */
    private record BoundTls(InetSocketAddress bound, ServerTls tls) {
        boolean serves(InetSocketAddress local) {
            return bound.getPort() == local.getPort()
                    && (bound.getAddress().isAnyLocalAddress() || bound.getAddress().equals(local.getAddress()));
        }
    }

    /** Written by {@link #start}, read by callers' threads. */
    private final List<BoundTls> boundTls = new CopyOnWriteArrayList<>();
    private volatile HealthStatusManager health;
    /** The names health answers for: the server as a whole, and the API service. */
    private volatile List<String> healthNames = List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES);
    /** {@link #shuttingDown} was called. Guarded by this. */
    private boolean stopping;
    /** Outermost on every call: {@link #close} waits for none to be left, not for the clients. */
    private final CallsInProgress calls = new CallsInProgress();
    private long graceMillis = GRACE_MILLIS;

    /** The Unix socket only, private to this user: no TCP listener, no interceptor. */
    public ApiServer(Path socket, Supplier<BindableService> service) {
        this(socket, List.of(), service, List.of(), SocketAccess.of(List.of()));
    }

    /**
     * Nothing is built until {@link #start}: Netty's set-up is the slow part of the daemon's start.
     *
     * @param endpoints    the TCP listeners, prepared (see {@link TcpEndpoint#prepare})
     * @param service      makes the API service, once
     * @param interceptors run on every call of every service on every listener, the first of the
     *                     list outermost (it sees the call first): identity, role, audit
     * @param access       who may connect to the socket file at all (its mode and group)
     */
    public ApiServer(Path socket, List<TcpEndpoint> endpoints, Supplier<BindableService> service,
            List<ServerInterceptor> interceptors, SocketAccess access) {
        this.socket = socket;
        this.endpoints = List.copyOf(endpoints);
        this.service = service;
        this.interceptors = List.copyOf(interceptors);
        this.access = access;
    }

    /**
     * Binds the socket (prepared by {@code daemon.SocketGuard}), private to this user unless
     * server.access opens it to others (each connection's peer credentials go with its calls),
     * then every TCP listener. If one cannot bind, what was started is stopped and the exception
     * says which address failed and why.
     */
    public void start() throws IOException {
        // Two threads accept and serve every client: the API is light next to the processes it controls.
        // First: without descriptors for its epoll and eventfd it fails, and the server stays unstarted.
        loop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        HealthStatusManager health = new HealthStatusManager();
        BindableService api = service.get();
        healthNames = List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, api.bindService().getServiceDescriptor().getName());
        healthNames.forEach(name -> health.setStatus(name, ServingStatus.NOT_SERVING)); // until every listener is up
        this.health = health;
        Server unix = serve(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()),
                        UnixPeerCredentials.create())
                .channelType(EpollServerDomainSocketChannel.class), api).build();
        unix.start();
        servers.add(unix);
        access.apply(socket);
        if (!access.isPrivate()) {
            log.info("socket {} is {} as server.access grants other local users a role", socket, access.describe());
            access.unreachable(socket).forEach(log::warn);
        }
        for (TcpEndpoint endpoint : endpoints) {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(endpoint.bindTo())
                    .channelType(EpollServerSocketChannel.class)
                    // Over a network a peer can vanish without a FIN (a laptop closed, a NAT
                    // forgetting the flow): pings find out, so its streams and watchers end.
                    .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                    .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    // Clients may ping as often as every CLIENT_PING_SECONDS, even while idle, to
                    // keep a long stream (events, attach) through a NAT; gRPC's default would
                    // answer such pings with GOAWAY after a few.
                    .permitKeepAliveTime(CLIENT_PING_SECONDS, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true);
            endpoint.tls().map(ServerTls::context).ifPresent(builder::sslContext);
            Server server = serve(builder, api).build();
            try {
                server.start();
            } catch (IOException e) {
                throw TcpEndpoint.bindFailure(endpoint.spec().address(), e);
            }
            servers.add(server);
            InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().getFirst();
            int port = bound.getPort();
            endpoint.tls().ifPresent(tls -> boundTls.add(new BoundTls(bound, tls)));
            String address = endpoint.address(port);
            tcpAddresses.add(address);
            log.info("listening on {} ({})", endpoint.where(port), endpoint.describe());
            // Served all the same: the programs matter more than remote access, and a renewal plus SIGHUP fixes it.
            endpoint.tls().flatMap(t -> t.identity().invalidAt(java.time.Instant.now())).ifPresent(why -> log.warn(
                    "the TLS certificate of {}: {}; clients will refuse it until it is renewed (then send SIGHUP)",
                    address, why));
        }
        synchronized (this) {
            if (!stopping) { // a shutdown that began during the start keeps NOT_SERVING
                healthNames.forEach(name -> health.setStatus(name, ServingStatus.SERVING));
            }
        }
    }

    /**
     * Serves again after {@link #close}: a re-exec that failed after the API was closed. The
     * socket is bound anew (close removed it) and every listener too.
     */
    public void restart() throws IOException {
        synchronized (this) {
            stopping = false;
        }
        servers.clear();
        tcpAddresses.clear();
        boundTls.clear();
        start();
    }

    /**
     * A shutdown has begun: health says NOT_SERVING for every name from now on, so a load
     * balancer or a supervisor watching it stops sending work while the processes are being
     * stopped. Calls are still served until {@link #close}. Any thread; idempotent.
     */
    public synchronized void shuttingDown() {
        stopping = true;
        HealthStatusManager h = health;
        if (h != null) {
            healthNames.forEach(name -> h.setStatus(name, ServingStatus.NOT_SERVING));
        }
    }

    /** The same services and interceptors for every listener, on the shared event loop. */
    private NettyServerBuilder serve(NettyServerBuilder builder, BindableService api) {
        builder.bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .addService(api)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(reflectionV1alpha());
        // A server runs the interceptor added last first; add them backwards so the list's first is outermost.
        for (ServerInterceptor interceptor : interceptors.reversed()) {
            builder.intercept(interceptor);
        }
        return builder.intercept(calls); // outside them all: a call they refuse is counted and ended too
    }

    /** Reflection v1alpha: deprecated by grpc-java in favour of v1, and still the only one older clients speak. */
    @SuppressWarnings("deprecation")
    private static BindableService reflectionV1alpha() {
        return ProtoReflectionService.newInstance();
    }

    /**
     * The client CAs, as they are now, of the TCP listener a call came in on ({@code local} is
     * the call's {@code Grpc.TRANSPORT_ATTR_LOCAL_ADDR}); empty when it asks for no client
     * certificate. Any thread.
     */
    public Optional<X509TrustManager> clientTrust(SocketAddress local) {
        if (!(local instanceof InetSocketAddress inet)) {
            return Optional.empty();
        }
        // Two listeners may share a port on different addresses (127.0.0.1:7443 and [::1]:7443),
        // each with its own client CA: the call's own local address picks the one it came in on.
        return boundTls.stream().filter(b -> b.serves(inet)).findFirst()
                .flatMap(b -> b.tls().clientTrust().map(X509TrustManager.class::cast));
    }

    /** Sets how long {@link #close} lets calls in progress end (tests make it long, to see it is not waited out). */
    ApiServer grace(java.time.Duration grace) {
        this.graceMillis = grace.toMillis();
        return this;
    }

    /** The TCP addresses bound, {@code host:port} with the real port; empty before start. */
    public List<String> tcpAddresses() {
        return List.copyOf(tcpAddresses);
    }

    /**
     * Reads every listener's certificate, key and client CAs again (SIGHUP). New connections
     * get what was read; open connections and their streams go on. A file that cannot be used
     * keeps what is served now, and the log says why.
     */
    public void reloadCertificates() {
        for (int i = 0; i < endpoints.size(); i++) {
            TcpEndpoint endpoint = endpoints.get(i);
            if (endpoint.tls().isEmpty()) {
                continue;
            }
            String address = i < tcpAddresses.size() ? tcpAddresses.get(i) : endpoint.spec().address();
            List<ServerTls.Outcome> outcomes = endpoint.tls().get().reload();
            if (outcomes.stream().allMatch(ServerTls.Outcome.Unchanged.class::isInstance)) {
                log.info("TLS files of {} reloaded: unchanged", address);
                continue;
            }
            for (ServerTls.Outcome outcome : outcomes) {
                switch (outcome) {
                    case ServerTls.Outcome.Unchanged u -> log.info("TLS {} of {}: unchanged", u.part(), address);
                    case ServerTls.Outcome.Replaced r -> log.info("TLS {} of {} reloaded: {}", r.part(), address, r.what());
                    case ServerTls.Outcome.Kept k -> log.warn("TLS {} of {} not reloaded, the current one stays: {}",
                            k.part(), address, k.why());
                }
            }
        }
    }

    /**
     * Stops serving: new calls are refused; calls in progress get {@link #GRACE_MILLIS} to end,
     * and then every connection is cut, without waiting for its client to let go. Call it after
     * the streams have been ended (the API service's {@code endStreams}), so that normally no call
     * is left and nothing is waited for: what the daemon had to say (the last messages, the
     * status) is written by then, and a client that reads gets it all before its connection
     * closes, while one that does not (its last messages wait behind its full flow-control
     * window) or a frozen one would otherwise hold the daemon's exit for as long as it likes.
     * Netty's event loop then stops with no quiet period: nothing more is coming.
     */
    @Override
    public void close() {
        close(SHUTTING_DOWN);
    }

    /**
     * As {@link #close()}, ending the streams still open with {@code ending} (a re-exec's
     * "reconnect and resume": an attach stream whose own end is still queued must not be told
     * the daemon is shutting down).
     */
    public void close(Status ending) {
        if (health == null) {
            return; // never started
        }
        long t0 = System.nanoTime();
        shuttingDown();
        health.enterTerminalState();
        // The API ended its own streams; a health watch or a reflection session would otherwise
        // hold the grace below and then be reset (CANCELLED for its client): UNAVAILABLE, as every stream.
        calls.endStreams(ending);
        servers.forEach(Server::shutdown);
        try {
            if (!calls.awaitNone(graceMillis)) {
                log.info("{} API call(s) still in progress after {} ms at shutdown: cut", calls.count(), graceMillis);
            }
            // A call that has just handed its status to gRPC (the Shutdown call itself answers at
            // the very end) still has it in Netty's queue: cut now, its client would see the
            // connection closed instead of the answer. The graceful close ends a connection as soon
            // as what was sent on it is flushed, which takes a client that reads a few
            // milliseconds; one that does not read holds it at most FLUSH_MILLIS.
            long flushEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(FLUSH_MILLIS, graceMillis));
            for (Server server : servers) {
                server.awaitTermination(Math.max(0, flushEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            servers.forEach(Server::shutdownNow);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (Server server : servers) {
                server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            servers.forEach(Server::shutdownNow);
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        log.debug("API stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("cannot remove socket {}: {}", socket, e.getMessage());
        }
    }
}
