package dev.taskmaster.server.security;

import io.grpc.Attributes;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server credentials for the Unix socket that read each connection's peer credentials
 * ({@code SO_PEERCRED}) once, when it is accepted, and put them in the connection's transport
 * attributes under {@link UnixPeer#KEY}, where every call's interceptor finds them.
 *
 * <p>Why this way: gRPC gives interceptors the transport attributes but not the Netty channel
 * (grpc-java issue 2646), and the attributes are fixed by the protocol negotiation. So this is a
 * plaintext negotiation (the same handlers as gRPC's own: wait until active, then hand over to
 * the HTTP/2 handler) with one step in front that adds the peer to the negotiation event's
 * attributes. A connection whose credentials cannot be read gets no peer, and every call on it
 * is refused as unauthenticated.
 *
 * <p>Threading: the handler runs on the connection's event loop; the credentials object is
 * stateless and shared.
 */
public final class UnixPeerCredentials {

    private static final Logger log = LoggerFactory.getLogger(UnixPeerCredentials.class);

    private UnixPeerCredentials() {
    }

    /** Credentials for {@code NettyServerBuilder.forAddress(domainSocketAddress, credentials)}. */
    public static ServerCredentials create() {
        return InternalNettyServerCredentials.create(new Negotiator());
    }

    private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
        @Override
        public AsciiString scheme() {
            return AsciiString.of("http");
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            ChannelHandler plaintext = InternalProtocolNegotiators.waitUntilActiveHandler(
                    InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler), grpcHandler.getNegotiationLogger());
            return new PeerHandler(plaintext, grpcHandler);
        }

        @Override
        public void close() {
        }
    }

    /** Adds the peer to the negotiation event, then makes way for the plaintext handlers. */
    private static final class PeerHandler extends InternalProtocolNegotiators.ProtocolNegotiationHandler {
        PeerHandler(ChannelHandler next, GrpcHttp2ConnectionHandler grpcHandler) {
            super(next, grpcHandler.getNegotiationLogger());
        }

        @Override
        protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
            ProtocolNegotiationEvent event = getProtocolNegotiationEvent();
            Attributes.Builder attributes = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder();
            peer(ctx).ifPresent(p -> attributes.set(UnixPeer.KEY, p));
            replaceProtocolNegotiationEvent(InternalProtocolNegotiationEvent.withAttributes(event, attributes.build()));
            fireProtocolNegotiationEvent(ctx);
        }

        private static java.util.Optional<UnixPeer> peer(ChannelHandlerContext ctx) {
            if (!(ctx.channel() instanceof EpollDomainSocketChannel channel)) {
                log.warn("a connection on {} is not a Unix domain socket; its calls will be refused", ctx.channel());
                return java.util.Optional.empty();
            }
            try {
                PeerCredentials c = channel.peerCredentials();
                int[] gids = c.gids();
                return java.util.Optional.of(new UnixPeer(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1));
            } catch (IOException e) {
                log.warn("cannot read the credentials of a client of the socket (SO_PEERCRED): {}; its calls will be"
                        + " refused", e.getMessage());
                return java.util.Optional.empty();
            }
        }
    }
}
