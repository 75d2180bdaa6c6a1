package dev.taskmaster.config;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads {@code server.metrics}, where {@code /metrics} is served:
 * <ul>
 * <li>{@code host:port}: plain HTTP, without authentication, so on loopback only;
 * <li>{@code {address: host:port, tls: {cert, key, client_ca}}}: HTTPS with the API's
 *     authentication (a client certificate or a bearer token, the viewer role), on any address;
 *     {@code tls: true} takes the files of the {@code server.listen} listener that has tls, so
 *     a renewal of that one certificate serves both.
 * </ul>
 * The HTTPS form is a port of its own rather than the gRPC listener's: a Prometheus scrape is an
 * HTTP/1.1 GET, and a {@code scrape_config} names one target port.
 */
final class MetricsParser {

    static final Set<String> KEYS = Set.of("address", "tls");

    private MetricsParser() {
    }

    static Optional<ListenerSpec> parse(Source src, Node node, String path, List<ListenerSpec> listen) {
        if (!(node instanceof MappingNode)) {
            return ListenerParser.address(src, node, path).flatMap(a -> plain(src, node, path, a));
        }
        return MapReader.of(src, node, path, "host:port on loopback, or a mapping with address and tls").flatMap(r -> {
            Optional<Node> addressNode = r.has("address") ? r.take("address") : Optional.empty();
            Optional<ListenerParser.HostPort> address = r.required("address", "host:port to serve /metrics on",
                    ListenerParser::address);
            boolean tlsWritten = r.has("tls");
            Optional<Optional<TlsSpec>> tls = r.optional("tls", (s, n, p) -> tls(s, n, p, listen));
            r.rejectUnknown(KEYS);
            if (address.isEmpty() || tlsWritten && tls.isEmpty()) {
                return Optional.empty();
            }
            Optional<TlsSpec> files = tls.flatMap(t -> t);
            if (files.isEmpty()) {
                return plain(src, addressNode.orElseThrow(), r.pathOf("address"), address.get());
            }
            return Optional.of(new ListenerSpec(address.get().host(), address.get().port(), files));
        });
    }

    /** Plain HTTP has no authentication: what it tells (program names, states) is not for the network. */
    private static Optional<ListenerSpec> plain(Source src, Node node, String path, ListenerParser.HostPort a) {
        if (!ListenerSpec.isLoopback(a.host())) {
            src.error(node, path, "expected a loopback address (127.0.0.0/8, [::1] or localhost) for /metrics, found \""
                    + a.written() + "\"; it is served over plain HTTP without authentication: keep it on loopback, or"
                    + " serve it over HTTPS with the API's authentication: {address: " + a.written() + ", tls: …}");
            return Optional.empty();
        }
        return Optional.of(new ListenerSpec(a.host(), a.port(), Optional.empty()));
    }

    /** {@code true}: the tls of server.listen; {@code false}: none; a mapping: files of its own. */
    private static Optional<Optional<TlsSpec>> tls(Source src, Node node, String path, List<ListenerSpec> listen) {
        if (node instanceof MappingNode) {
            return ListenerParser.tls(src, node, path).map(Optional::of);
        }
        if (!(node instanceof ScalarNode)) {
            src.error(node, path, "expected true (the tls of server.listen) or a mapping with cert, key and optionally"
                    + " client_ca, found " + Values.describe(node));
            return Optional.empty();
        }
        return Values.bool(src, node, path).flatMap(on -> {
            if (!on) {
                return Optional.of(Optional.<TlsSpec>empty());
            }
            List<TlsSpec> all = listen.stream().flatMap(l -> l.tls().stream()).distinct().toList();
            if (all.size() == 1) {
                return Optional.of(Optional.of(all.getFirst()));
            }
            src.error(node, path, "expected the tls files of server.listen, found " + (all.isEmpty()
                    ? "no listener with tls there" : all.size() + " listeners with different tls files there")
                    + "; write tls: {cert: …, key: …, client_ca: …} here instead");
            return Optional.empty();
        });
    }
}
