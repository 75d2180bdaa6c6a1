package dev.taskmaster.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;

/**
 * Channels to a daemon's TCP listener: TLS ({@link TlsContexts}) unless {@code --plaintext}
 * (loopback only), plus the bearer token when one is given. Kept apart from
 * {@link DaemonChannel} so that a Unix-socket client never loads TLS classes. Stateless.
 */
final class TcpChannels {

    private TcpChannels() {}

    /** Reads the credentials' files now, so a bad one fails here, with its name, rather than on the first call. */
    static ManagedChannel build(ServerAddress.Tcp address, ClientSecurity security, EventLoopGroup loop, int maxInboundBytes) {
        ChannelCredentials credentials = security.plaintext()
                ? InsecureChannelCredentials.create()
                : NettySslContextChannelCredentials.create(TlsContexts.forClient(security));
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
