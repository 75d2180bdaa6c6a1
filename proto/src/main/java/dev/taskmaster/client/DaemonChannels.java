package dev.taskmaster.client;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Connections to several daemons made together ({@code taskmasterctl status --all-contexts}):
 * one Netty event loop for all of them (a thread per processor) rather than a thread each, and
 * the TLS context of one set of credentials built once rather than once per daemon. Building
 * one reads the CA, certificate and key files, checks the key against the certificate with a
 * signature, and sets up the key and trust managers: for a client just started (its code still
 * cold) that is the bulk of what a TLS daemon costs it beyond the handshake itself. A TLS
 * context holds no per-connection state, so sharing it changes nothing else.
 *
 * <p>Open and close from one thread; the channels may be used from any, as {@link DaemonChannel}'s.
 */
public final class DaemonChannels implements AutoCloseable {

    private final EventLoopGroup loop;
    private final Map<ClientSecurity, SslContext> tls = new HashMap<>();
    private final List<DaemonChannel> channels = new ArrayList<>();

    /** @param threads the event loop's threads (the processors: handshakes are CPU work) */
    public DaemonChannels(int threads) {
        this.loop = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    }

    /**
     * Prepares a connection to {@code target} on the shared loop, as {@link DaemonChannel#open(DaemonTarget)}
     * does alone. Close it on its own if you like; {@link #close} closes whatever is left.
     *
     * @throws TargetException if the target's settings cannot or must not be used
     */
    public DaemonChannel open(DaemonTarget target) {
        DaemonChannel c = DaemonChannel.open(target, loop, s -> tls.computeIfAbsent(s, TlsContexts::forClient));
        channels.add(c);
        return c;
    }

    /** Closes every channel (all asked to stop before any is waited for), then the event loop. */
    @Override
    public void close() {
        for (DaemonChannel c : channels) {
            c.channel().shutdownNow();
        }
        for (DaemonChannel c : channels) {
            c.close();
        }
        channels.clear();
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
    }
}
