package dev.taskmaster.client;

import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A connection to one taskmasterd (over its Unix socket or TCP with TLS), and stubs whose every
 * call carries a deadline.
 *
 * <p>{@link #open} owns its Netty event loop (one thread) instead of sharing gRPC's default
 * one: the default group is released lazily, which keeps a one-shot client alive for about
 * 300 ms after its last call. {@link #close} shuts the channel and the loop down at once.
 * Close from the thread that opened it; the stubs may be used from any thread. Callbacks of
 * async stubs run on the channel's event loop thread and must not block.
 */
public final class DaemonChannel implements AutoCloseable {

    /**
     * Netty warns on every Unix-socket connection that SO_KEEPALIVE (set by gRPC for TCP) does not
     * apply. Held in a field: JUL keeps loggers weakly, and a collected logger forgets its level.
     */
    private static final Logger BOOTSTRAP_LOG = Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    /** Status of 10,000 processes is a few MB; gRPC's 4 MiB default would refuse it. */
    private static final int MAX_INBOUND_BYTES = 64 << 20;

    private final ManagedChannel channel;
    private final EventLoopGroup loop;
    private final String target;

    private DaemonChannel(ManagedChannel channel, EventLoopGroup loop, String target) {
        this.channel = channel;
        this.loop = loop;
        this.target = target;
    }

    /**
     * Prepares a connection to the daemon listening on {@code socket}, after {@link SocketCheck}
     * found nothing wrong with it. Nothing is dialled until the first call, so a missing daemon
     * shows up as UNAVAILABLE on that call.
     *
     * @throws TargetException (UNSAFE) if the socket or a directory above it is not the caller's or root's
     */
    public static DaemonChannel open(Path socket) {
        return open(DaemonTarget.unix(socket));
    }

    /**
     * Prepares a connection to {@code target}: its Unix socket (checked by {@link SocketCheck}),
     * or its TCP listener with TLS and the target's client certificate, or in plaintext if the
     * target asks for it and is loopback; with its bearer token on every call if it has one.
     * Files named by the target are read now; nothing is dialled until the first call.
     *
     * @throws TargetException if the target's settings cannot or must not be used (see its kind)
     */
    public static DaemonChannel open(DaemonTarget target) {
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
        target.security().checkFor(target.address());
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            return new DaemonChannel(build(target, loop, null), loop, target.address().toString());
        } catch (RuntimeException | Error e) {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * A connection on an event loop that others share ({@link DaemonChannels}), which
     * {@link #close} leaves running, with its TLS context from {@code tls}.
     */
    static DaemonChannel open(DaemonTarget target, EventLoopGroup sharedLoop, Function<ClientSecurity, SslContext> tls) {
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
        target.security().checkFor(target.address());
        return new DaemonChannel(build(target, sharedLoop, tls), null, target.address().toString());
    }

    /** @param tls the TLS context for a TCP target's settings; null: made for this channel alone (no TLS class loads for a socket) */
    private static ManagedChannel build(DaemonTarget target, EventLoopGroup loop, Function<ClientSecurity, SslContext> tls) {
        // instanceof, not a pattern switch: its bootstrap costs a one-shot client's start-up a few milliseconds.
        return target.address() instanceof ServerAddress.Unix unix
                ? unix(unix.socket(), target.security(), loop)
                : TcpChannels.build((ServerAddress.Tcp) target.address(), target.security(), loop, MAX_INBOUND_BYTES, tls);
    }

    private static ManagedChannel unix(Path socket, ClientSecurity security, EventLoopGroup loop) {
        SocketCheck.verify(socket, SocketPaths.currentUid());
        ChannelCredentials credentials = InsecureChannelCredentials.create();
        if (security.tokenFile() != null) {
            // A Unix socket stays on this machine: the token may go without TLS.
            credentials = BearerToken.with(credentials, security.tokenFile(), true);
        }
        return NettyChannelBuilder
                .forAddress(new DomainSocketAddress(socket.toString()), credentials)
                // The default authority would be the socket path, which is not a valid :authority.
                .overrideAuthority("localhost")
                .eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class)
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                // Callbacks of async stubs run on the event loop itself: one thread hop less per
                // message (attach echo, interleaved runs: 4.5-6.8 ms median without, 4.5-5.4 with).
                // Every callback in the clients only queues work or writes to the terminal;
                // blocking stubs run theirs on the calling thread whatever this says.
                .directExecutor()
                .build();
    }

    /**
     * Wraps a channel built elsewhere (in-process in tests). {@link #close} shuts it
     * down; its threads, if any, remain the builder's business.
     *
     * @param target how to name the daemon in messages, e.g. {@code "in-process:test"}
     */
    public static DaemonChannel of(ManagedChannel channel, String target) {
        return new DaemonChannel(Objects.requireNonNull(channel), null, Objects.requireNonNull(target));
    }

    /** The underlying channel, for stubs this class does not make. */
    public ManagedChannel channel() {
        return channel;
    }

    /** What was dialled, e.g. {@code unix:///run/user/1000/taskmaster/default.sock}, {@code web1:7443}. */
    public String target() {
        return target;
    }

    /** A blocking stub whose calls must complete within {@code deadline} from now. */
    public TaskmasterServiceGrpc.TaskmasterServiceBlockingStub blockingStub(Duration deadline) {
        return TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A blocking stub without a deadline: only for streams meant to run until cancelled ({@code events --follow}). */
    public TaskmasterServiceGrpc.TaskmasterServiceBlockingStub unboundedBlockingStub() {
        return TaskmasterServiceGrpc.newBlockingStub(channel);
    }

    /**
     * Cancels any call still running and releases the connection and the event loop, waiting at
     * most about a second in all. Idempotent.
     */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop != null) {
            // No quiet period: nothing else will ever be submitted to this loop.
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
        }
    }
}
