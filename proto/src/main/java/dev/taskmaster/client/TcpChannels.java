package dev.taskmaster.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.function.Function;

/**
 * Channels to a daemon's TCP listener: TLS ({@link TlsContexts}) unless {@code --plaintext}
 * (loopback only), plus the bearer token when one is given. Kept apart from
 * {@link DaemonChannel} so that a Unix-socket client never loads TLS classes. Stateless.
 */
final class TcpChannels {

    private TcpChannels() {}

    /** Reads the credentials' files now, so a bad one fails here, with its name, rather than on the first call. */
    static ManagedChannel build(ServerAddress.Tcp address, ClientSecurity security, EventLoopGroup loop, int maxInboundBytes) {
        return build(address, security, loop, maxInboundBytes, null);
    }

    /**
     * As {@link #build(ServerAddress.Tcp, ClientSecurity, EventLoopGroup, int)}, with the TLS
     * context of {@code security} from {@code tls} (which may give the same one to several channels);
     * null: one made for this channel.
     */
    static ManagedChannel build(ServerAddress.Tcp address, ClientSecurity security, EventLoopGroup loop, int maxInboundBytes,
                                Function<ClientSecurity, SslContext> tls) {
        ChannelCredentials credentials = security.plaintext()
                ? InsecureChannelCredentials.create()
                : NettySslContextChannelCredentials.create(tls == null ? TlsContexts.forClient(security) : tls.apply(security));
        if (security.tokenFile() != null) {
            credentials = BearerToken.with(credentials, security.tokenFile(), address.loopback());
        }
        return NettyChannelBuilder.forAddress(address.host(), address.port(), credentials)
                .eventLoopGroup(loop)
                .channelType(EpollSocketChannel.class)
                .maxInboundMessageSize(maxInboundBytes)
                .directExecutor() // as for the Unix socket: see DaemonChannel
                .build();
    }
}
