package dev.taskmaster.server.transport;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import dev.taskmaster.server.security.SocketAccess;
import dev.taskmaster.server.security.UnixPeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gRPC server on the instance's Unix socket, with health and reflection. Start and stop
 * from one thread; the server's own threads do the serving.
 */
public final class ApiServer implements AutoCloseable {

    private final Path socket;
    private final Supplier<BindableService> service;
    private final ServerInterceptor roles;
    private final SocketAccess access;
    private EventLoopGroup loop;
    private Server server;
    private HealthStatusManager health;

    /** Nothing is built until {@link #start}: Netty's set-up is the slow part of the daemon's start. */
    /**
     * @param roles  the interceptor every call of every service passes (identity, role, audit)
     * @param access who may connect to the socket file at all (its mode and group)
     */
    public ApiServer(Path socket, Supplier<BindableService> service, ServerInterceptor roles, SocketAccess access) {
        this.socket = socket;
        this.service = service;
        this.roles = roles;
        this.access = access;
    }

    /**
     * Binds the socket (prepared by {@code daemon.SocketGuard}), private to this user unless
     * server.access opens it to others; each connection's peer credentials go with its calls.
     */
    public void start() throws IOException {
        health = new HealthStatusManager();
        // Two threads accept and serve every client: the API is light next to the processes it controls.
        loop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()), UnixPeerCredentials.create())
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .addService(service.get())
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .intercept(roles)
                .build();
        server.start();
        access.apply(socket);
        if (!access.group().isEmpty() || !access.mode().equals(PosixFilePermissions.fromString("rw-------"))) {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApiServer.class);
            log.info("socket {} is {} as server.access grants other local users a role", socket, access.describe());
            access.unreachable(socket).forEach(log::warn);
        }
        health.setStatus("", ServingStatus.SERVING);
    }

    @Override
    public void close() {
        if (server == null) {
            return; // never started
        }
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ApiServer.class).warn("cannot remove socket {}: {}", socket, e.getMessage());
        }
    }
}
