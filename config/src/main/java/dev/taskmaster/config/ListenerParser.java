package dev.taskmaster.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code server.listen}, the TCP listeners: each address is checked for form, a listener
 * without TLS must be on loopback, and no two listeners may claim the same address and port.
 */
final class ListenerParser {

    static final Set<String> KEYS = Set.of("address", "tls");
    static final Set<String> TLS_KEYS = Set.of("cert", "key", "client_ca");
    static final String ADDRESS_EXAMPLES = "like 127.0.0.1:7443, [::1]:7443, 0.0.0.0:7443 or host.example:7443";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    /** A listener read, with the node its address came from (for messages about it). */
    private record Read(ListenerSpec spec, Node at, String path) {
    }

    private ListenerParser() {
    }

    static List<ListenerSpec> parse(Source src, Node node, String path) {
        if (Values.isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            src.error(node, path, "expected a list of listeners (each with an address, and tls unless on loopback), found "
                    + Values.describe(node));
            return List.of();
        }
        List<Read> read = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            String item = path + "[" + i + "]";
            MapReader.of(src, list.getValue().get(i), item, "a listener: a mapping with address and tls")
                    .flatMap(r -> listener(src, r)).ifPresent(read::add);
        }
        rejectOverlaps(src, read);
        return read.stream().map(Read::spec).toList();
    }

    private static Optional<Read> listener(Source src, MapReader r) {
        Optional<Node> addressNode = r.has("address") ? r.take("address") : Optional.empty();
        Optional<HostPort> address = r.required("address", "host:port to listen on", ListenerParser::address);
        boolean tlsWritten = r.has("tls");
        Optional<TlsSpec> tls = r.optional("tls", ListenerParser::tls);
        r.rejectUnknown(KEYS);
        if (address.isEmpty() || tlsWritten && tls.isEmpty()) {
            return Optional.empty();
        }
        HostPort a = address.get();
        if (!tlsWritten && !ListenerSpec.isLoopback(a.host())) {
            src.error(addressNode.orElseThrow(), r.pathOf("address"), "expected a loopback address (127.0.0.0/8, [::1]"
                    + " or localhost) for a listener without tls, found \"" + a.written()
                    + "\"; plaintext would expose the API to the network: add tls with cert and key");
            return Optional.empty();
        }
        return Optional.of(new Read(new ListenerSpec(a.host(), a.port(), tls), addressNode.orElseThrow(),
                r.pathOf("address")));
    }

    /** {@code host:port} as written, its host without brackets. */
    record HostPort(String written, String host, int port) {
    }

    static Optional<HostPort> address(Source src, Node node, String path) {
        return Values.text(src, node, path, "an address host:port, " + ADDRESS_EXAMPLES).flatMap(text -> {
            Optional<String> problem = Optional.empty();
            String t = text.strip();
            String host;
            String port;
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                    return invalid(src, node, path, "expected [IPv6]:port, " + ADDRESS_EXAMPLES, text);
                }
                host = t.substring(1, close);
                port = t.substring(close + 2);
                if (host.indexOf(':') < 0 || ListenerSpec.literal(host).isEmpty()) {
                    return invalid(src, node, path, "expected an IPv6 address between the brackets", text);
                }
            } else {
                int colon = t.lastIndexOf(':');
                if (colon < 0) {
                    return invalid(src, node, path, "expected host:port (the port is missing), " + ADDRESS_EXAMPLES, text);
                }
                host = t.substring(0, colon);
                port = t.substring(colon + 1);
                if (host.indexOf(':') >= 0) {
                    return invalid(src, node, path, "expected an IPv6 address in brackets, like [::1]:7443", text);
                }
                problem = hostProblem(host);
            }
            if (problem.isPresent()) {
                return invalid(src, node, path, problem.get(), text);
            }
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                return invalid(src, node, path, "expected a port from 0 to 65535 after the last \":\"", text);
            }
            return Optional.of(new HostPort(t, host, Integer.parseInt(port)));
        });
    }

    private static Optional<String> hostProblem(String host) {
        if (host.isEmpty()) {
            return Optional.of("expected a host before the port (0.0.0.0 for every IPv4 address)");
        }
        if (host.matches("[0-9.]+")) {
            // Four parts only: inet_aton's short forms (127.1) are legal but too easy to misread.
            return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && ListenerSpec.literal(host).isPresent() ? Optional.empty()
                    : Optional.of("expected an IPv4 address of four numbers from 0 to 255");
        }
        boolean name = host.length() <= 253 && java.util.Arrays.stream(host.split("\\.", -1))
                .allMatch(l -> LABEL.matcher(l).matches());
        return name ? Optional.empty() : Optional.of("expected an IP address or a host name before the port");
    }

    private static <T> Optional<T> invalid(Source src, Node node, String path, String expected, String found) {
        src.error(node, path, expected + ", found \"" + found + "\"");
        return Optional.empty();
    }

    static Optional<TlsSpec> tls(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping with cert, key and optionally client_ca").flatMap(r -> {
            Optional<java.nio.file.Path> cert = r.required("cert", "the server's certificate, a PEM file",
                    (s, n, p) -> TlsFiles.certificates(s, n, p, "certificate"));
            Optional<java.nio.file.Path> key = r.required("key", "the private key of cert, a PEM file",
                    TlsFiles::privateKey);
            Optional<java.nio.file.Path> clientCa = r.optional("client_ca",
                    (s, n, p) -> TlsFiles.certificates(s, n, p, "CA certificate"));
            boolean caBad = r.has("client_ca") && clientCa.isEmpty();
            r.rejectUnknown(TLS_KEYS);
            if (cert.isEmpty() || key.isEmpty() || caBad) {
                return Optional.empty();
            }
            return Optional.of(new TlsSpec(cert.get(), key.get(), clientCa));
        });
    }

    /**
     * Two listeners on one address and port cannot both bind; nor can one on a specific address
     * beside a wildcard on the same port (0.0.0.0 takes every IPv4 address; [::] every address,
     * IPv4 included, as Linux binds it dual-stack).
     */
    private static void rejectOverlaps(Source src, List<Read> read) {
        for (int i = 0; i < read.size(); i++) {
            ListenerSpec b = read.get(i).spec();
            if (b.port() == 0) {
                continue; // each gets a port of its own
            }
            for (int j = 0; j < i; j++) {
                ListenerSpec a = read.get(j).spec();
                if (a.port() != b.port()) {
                    continue;
                }
                int line = read.get(j).at().getStartMark().getLine() + 1;
                if (canonical(a.host()).equals(canonical(b.host()))) {
                    src.error(read.get(i).at(), read.get(i).path(), "duplicate address \"" + b.address()
                            + "\" (first at line " + line + ")");
                    break;
                }
                Optional<String> wide = covers(a.host(), b.host()).or(() -> covers(b.host(), a.host()));
                if (wide.isPresent()) {
                    src.error(read.get(i).at(), read.get(i).path(), "address \"" + b.address() + "\" overlaps \""
                            + a.address() + "\" (line " + line + "): " + wide.get() + " at port " + b.port()
                            + "; keep one of the two");
                    break;
                }
            }
        }
    }

    private static String canonical(String host) {
        return ListenerSpec.literal(host).map(InetAddress::getHostAddress).orElse(host.toLowerCase(Locale.ROOT));
    }

    /** Why {@code wide} takes {@code other}'s address too, when it is a wildcard that does. */
    private static Optional<String> covers(String wide, String other) {
        Optional<InetAddress> w = ListenerSpec.literal(wide);
        if (w.isEmpty() || !w.get().isAnyLocalAddress()) {
            return Optional.empty();
        }
        if (w.get() instanceof Inet6Address) {
            return Optional.of("[::] listens on every address, IPv4 included,");
        }
        boolean ipv6 = ListenerSpec.literal(other).map(Inet6Address.class::isInstance).orElse(false);
        return ipv6 ? Optional.empty() : Optional.of("0.0.0.0 listens on every IPv4 address");
    }
}
