package dev.taskmaster.server.security;

import io.grpc.Attributes;
import io.grpc.Grpc;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Where a call comes from, in the words of audit lines: {@code unix pid 4242}, {@code tcp 127.0.0.1:50412}. */
final class Transports {

    private Transports() {
    }

    static String describe(Attributes transport) {
        UnixPeer peer = transport.get(UnixPeer.KEY);
        if (peer != null) {
            return "unix pid " + peer.pid();
        }
        SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InetSocketAddress inet) {
            return "tcp " + hostPort(inet);
        }
        return remote == null ? "unknown transport" : remote.toString();
    }

    static String hostPort(InetSocketAddress inet) {
        if (inet.getAddress() == null) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        String host = inet.getAddress().getHostAddress();
        return (inet.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
}
