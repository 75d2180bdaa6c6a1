package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Reads {@code server.syslog}: {@code true}, {@code false}, or a mapping of facility, tag, socket and format. */
final class SyslogParser {

    static final Set<String> KEYS = Set.of("facility", "tag", "socket", "format");
    /** Printable ASCII without spaces (RFC 5424 APP-NAME); ':' and '[' would end a RFC 3164 tag early. */
    private static final Pattern TAG = Pattern.compile("[!-~&&[^:\\[\\]]]{1," + SyslogSpec.MAX_TAG + "}");
    private static final String EXPECTED = "true, false, or a mapping with facility, tag, socket and format";

    private SyslogParser() {
    }

    static Optional<SyslogSpec> parse(Source src, Node node, String path) {
        SyslogSpec d = SyslogSpec.DEFAULT;
        if (node instanceof ScalarNode) {
            return Values.bool(src, node, path).map(on -> on ? new SyslogSpec(true, d.facility(), d.tag(), d.socket(),
                    d.format()) : d);
        }
        return MapReader.of(src, node, path, EXPECTED).map(r -> {
            SyslogSpec.Facility facility = r.get("facility", d.facility(), SyslogParser::facility);
            String tag = r.get("tag", d.tag(), SyslogParser::tag);
            Path socket = r.get("socket", d.socket(), (s, n, p) -> Values.text(s, n, p, "a path").flatMap(t -> s.path(n, p, t)));
            SyslogSpec.Format format = r.get("format", d.format(), SyslogParser::format);
            r.rejectUnknown(KEYS);
            return new SyslogSpec(true, facility, tag, socket, format);
        });
    }

    private static Optional<SyslogSpec.Facility> facility(Source src, Node node, String path) {
        String expected = "a syslog facility: one of " + SyslogSpec.Facility.names();
        return Values.text(src, node, path, expected).flatMap(t -> {
            Optional<SyslogSpec.Facility> f = SyslogSpec.Facility.of(t);
            if (f.isEmpty()) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
            }
            return f;
        });
    }

    private static Optional<String> tag(Source src, Node node, String path) {
        String expected = "a tag of 1 to " + SyslogSpec.MAX_TAG + " printable characters without spaces, ':', '[' or ']'";
        return Values.text(src, node, path, expected).flatMap(t -> {
            if (!TAG.matcher(t).matches()) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                return Optional.empty();
            }
            return Optional.of(t);
        });
    }

    private static Optional<SyslogSpec.Format> format(Source src, Node node, String path) {
        String expected = "rfc3164 or rfc5424";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "rfc3164" -> Optional.of(SyslogSpec.Format.RFC3164);
            case "rfc5424" -> Optional.of(SyslogSpec.Format.RFC5424);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }
}
