package dev.taskmaster.client;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a daemon listens, as a user writes it: {@code unix:///path} or a path with a {@code /}
 * (its Unix socket), {@code host:port} or {@code [v6]:port} (TCP). Immutable; parsing never
 * touches the network (no name is resolved here).
 */
public sealed interface ServerAddress {

    /** The forms {@link #parse} accepts, for error messages. */
    String FORMS = "HOST:PORT, [IPV6]:PORT, unix:///PATH or a socket path containing '/'";

    /** A daemon's Unix socket. */
    record Unix(Path socket) implements ServerAddress {
        @Override
        public String toString() {
            return "unix://" + socket;
        }
    }

    /** A daemon's TCP listener. {@code host} is a name or an IP literal, without brackets. */
    record Tcp(String host, int port) implements ServerAddress {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        /**
         * True for {@code localhost} and loopback IP literals (127.0.0.0/8, ::1): the only hosts
         * plaintext may go to. Any other name is not loopback, even if it resolves to one: a name
         * can be made to resolve elsewhere, and nothing is resolved to decide.
         */
        public boolean loopback() {
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            if (!AddressSyntax.IP_LITERAL.matcher(host).matches()) {
                return false;
            }
            try {
                return InetAddress.ofLiteral(host).isLoopbackAddress();
            } catch (IllegalArgumentException notALiteral) {
                return false;
            }
        }
    }


    /**
     * Reads an address.
     *
     * @throws TargetException (INVALID) naming what is wrong with {@code text}
     */
    static ServerAddress parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        if (t.regionMatches(true, 0, "unix:", 0, 5)) {
            String rest = t.substring(5);
            if (rest.startsWith("//")) {
                rest = rest.substring(2);
                if (!rest.startsWith("/")) {
                    throw invalid(text, "a unix:// address takes an absolute path: unix:///PATH (three slashes)");
                }
            }
            if (rest.isEmpty()) {
                throw invalid(text, "no socket path after unix:");
            }
            return new Unix(Path.of(rest).toAbsolutePath().normalize());
        }
        if (t.indexOf('/') >= 0) {
            return new Unix(Path.of(t).toAbsolutePath().normalize());
        }
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw invalid(text, "an IPv6 address is written [ADDRESS]:PORT");
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
            if (host.indexOf(':') < 0 || !AddressSyntax.IP_LITERAL.matcher(host).matches()) {
                throw invalid(text, "\"" + host + "\" is not an IPv6 address");
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(text, "no port; a TCP address is HOST:PORT (a socket path needs a '/', e.g. ./" + t + ")");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw invalid(text, "an IPv6 address goes in brackets: [" + host + "]:" + port);
            }
            if (host.isEmpty() || !AddressSyntax.HOST_NAME.matcher(host).matches()) {
                throw invalid(text, "\"" + host + "\" is not a host name or IP address");
            }
        }
        return new Tcp(host.toLowerCase(Locale.ROOT), port(text, port));
    }

    private static int port(String text, String port) {
        int p;
        try {
            p = port.chars().allMatch(Character::isDigit) && port.length() <= 5 ? Integer.parseInt(port) : -1;
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw invalid(text, "the port must be a number from 1 to 65535, found \"" + port + "\"");
        }
        return p;
    }

    private static TargetException invalid(String text, String why) {
        return new TargetException(TargetException.Kind.INVALID,
                "invalid server address \"" + text + "\": " + why + "; expected " + FORMS);
    }
}

/** The patterns {@link ServerAddress} reads addresses with (fields of an interface would all be public). */
final class AddressSyntax {
    /** Characters of an IPv4 or IPv6 literal, so that {@link InetAddress#ofLiteral} is only asked about those. */
    static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f.:]+");
    static final Pattern HOST_NAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

    private AddressSyntax() {}
}
