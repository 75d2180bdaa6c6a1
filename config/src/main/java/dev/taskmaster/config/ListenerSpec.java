package dev.taskmaster.config;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * One TCP listener of {@code server.listen}: where the API is also served, and with what TLS.
 * Validated at load: a listener without TLS is on a loopback address.
 *
 * @param host the host as written, without brackets: an IPv4 or IPv6 literal, or a host name
 * @param port the TCP port; 0 lets the system pick a free one (the daemon reports which)
 * @param tls  the certificate and key to serve TLS with; empty only on a loopback address
 */
public record ListenerSpec(String host, int port, Optional<TlsSpec> tls) {

    /** The address as {@code host:port}, IPv6 literals in brackets: {@code [::1]:7443}. */
    public String address() {
        return hostPort(host, port);
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    public static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Whether only this machine can reach it: 127.0.0.0/8, ::1 or the name localhost. */
    public boolean loopback() {
        return isLoopback(host);
    }

    static boolean isLoopback(String host) {
        if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        return literal(host).map(InetAddress::isLoopbackAddress).orElse(false);
    }

    /** The host as an IP address when it is written as one; never a DNS look-up. */
    static Optional<InetAddress> literal(String host) {
        if (!host.matches("[0-9.]+") && host.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.ofLiteral(host));
        } catch (IllegalArgumentException notALiteral) {
            return Optional.empty();
        }
    }
}
