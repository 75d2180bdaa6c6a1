package dev.taskmaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads the top-level {@code notify:} list into {@link NotifyRule}s, every problem located. */
final class NotifyParser {

    static final Set<String> KEYS = Set.of("name", "on", "programs", "webhook", "email", "exec", "batch", "queue",
            "retries", "timeout");
    static final Set<String> TARGETS = Set.of("webhook", "email", "exec");
    static final Set<String> WEBHOOK_KEYS = Set.of("url", "secret_file", "headers");
    static final Set<String> EMAIL_KEYS = Set.of("smtp", "security", "user", "password_file", "from", "to", "ca_file");
    /** Glob over instance names: their characters plus {@code *} and {@code ?}. */
    private static final Pattern PROGRAM_GLOB = Pattern.compile("[A-Za-z0-9_.@:*?-]+");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Set by the webhook itself, or by the HTTP client, which refuses them. */
    private static final Set<String> RESERVED_HEADERS = Set.of("content-type", "content-length", "host", "connection",
            "expect", "upgrade", "x-taskmaster-signature", "x-taskmaster-timestamp", "x-taskmaster-rule");
    /** One address, without spaces or the characters that would let it escape a mail header. */
    private static final Pattern ADDRESS = Pattern.compile("[^\\s<>,;\"()@]+@[A-Za-z0-9.-]+");
    private static final String RULE_EXPECTED = "a mapping with on, and one of webhook, email or exec";

    private NotifyParser() {
    }

    static List<NotifyRule> parse(Source src, Node node) {
        if (Values.isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            src.error(node, "notify", "expected a list of rules (- on: [...] with webhook, email or exec), found "
                    + Values.describe(node));
            return List.of();
        }
        List<NotifyRule> rules = new ArrayList<>();
        Map<String, Node> named = new HashMap<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node entry = list.getValue().get(i);
            String path = "notify[" + i + "]";
            int position = i + 1;
            MapReader.of(src, entry, path, RULE_EXPECTED).flatMap(r -> rule(r, position)).ifPresent(rule -> {
                Node at = named.putIfAbsent(rule.name(), entry);
                if (at != null) {
                    src.error(entry, path + ".name", "rule \"" + rule.name() + "\" is already defined at line "
                            + (at.getStartMark().getLine() + 1) + "; give each rule its own name");
                } else {
                    rules.add(rule);
                }
            });
        }
        return rules;
    }

    private static Optional<NotifyRule> rule(MapReader r, int position) {
        Source src = r.source();
        if (Values.isNull(r.node())) {
            src.error(r.node(), r.path(), "expected " + RULE_EXPECTED + ", found nothing");
            return Optional.empty();
        }
        int before = src.problems().count();
        String name = r.get("name", "rule-" + position, NotifyParser::name);
        Set<NotifyEvent> on = r.required("on", "the events to send, like [fatal, exited_unexpectedly]",
                NotifyParser::events).orElse(Set.of());
        List<String> programs = r.get("programs", List.of(), NotifyParser::programs);
        Optional<NotifyTarget> target = target(r);
        Duration batch = r.get("batch", NotifyRule.DEFAULT_BATCH, Values::duration);
        int queue = r.get("queue", NotifyRule.DEFAULT_QUEUE, (s, n, p) -> Values.integer(s, n, p, 1, 100_000));
        int retries = r.get("retries", NotifyRule.DEFAULT_RETRIES, (s, n, p) -> Values.integer(s, n, p, 0, 1000));
        Duration timeout = r.get("timeout", NotifyRule.DEFAULT_TIMEOUT, (s, n, p) -> Values.duration(s, n, p)
                .filter(d -> !d.isZero() || reject(s, n, p, "expected a duration greater than 0, found " + Values.describe(n))));
        r.rejectUnknown(KEYS);
        if (target.isEmpty() || on.isEmpty() || src.problems().count() > before) {
            return Optional.empty();
        }
        return Optional.of(new NotifyRule(name, on, programs, target.get(), batch, queue, retries, timeout));
    }

    private static Optional<String> name(Source src, Node node, String path) {
        return Values.text(src, node, path, "a rule name").filter(t -> (ProgramParser.NAME.matcher(t).matches()
                && t.length() <= Limits.NAME_CHARS) || reject(src, node, path, "expected a rule name of "
                        + ProgramParser.NAME_EXPECTED + ", found " + Values.describe(node)));
    }

    private static Optional<Set<NotifyEvent>> events(Source src, Node node, String path) {
        List<Node> items = node instanceof SequenceNode s ? s.getValue() : List.of(node);
        if (items.isEmpty()) {
            src.error(node, path, "expected at least one event (" + NotifyEvent.names() + "), found an empty list");
            return Optional.empty();
        }
        Set<NotifyEvent> out = EnumSet.noneOf(NotifyEvent.class);
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = node instanceof SequenceNode ? path + "[" + i + "]" : path;
            Optional<NotifyEvent> e = Values.text(src, item, itemPath, "an event name").flatMap(t -> {
                Optional<NotifyEvent> found = NotifyEvent.of(t);
                if (found.isEmpty()) {
                    List<String> names = java.util.Arrays.stream(NotifyEvent.values()).map(NotifyEvent::yamlName).toList();
                    src.error(item, itemPath, "expected an event, one of " + NotifyEvent.names() + ", found "
                            + Values.describe(item) + Suggestions.hint(t, names));
                }
                return found;
            });
            e.ifPresent(out::add);
            ok &= e.isPresent();
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private static Optional<List<String>> programs(Source src, Node node, String path) {
        List<Node> items = node instanceof SequenceNode s ? s.getValue() : List.of(node);
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = node instanceof SequenceNode ? path + "[" + i + "]" : path;
            String expected = "a program name or pattern, like \"web\", \"worker:*\" or \"batch-?\"";
            Optional<String> p = Values.text(src, item, itemPath, expected).filter(t -> PROGRAM_GLOB.matcher(t).matches()
                    || reject(src, item, itemPath, "expected " + expected + ", found " + Values.describe(item)));
            p.ifPresent(out::add);
            ok &= p.isPresent();
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    /** Exactly one of webhook, email and exec; reported where the second is written, or at the rule. */
    private static Optional<NotifyTarget> target(MapReader r) {
        Source src = r.source();
        List<String> given = TARGETS.stream().filter(r::has).toList();
        if (given.isEmpty()) {
            src.error(r.node(), r.path(), "expected one of webhook, email or exec (where the messages go), found none");
            return Optional.empty();
        }
        if (given.size() > 1) {
            List<String> inOrder = given.stream().sorted(Comparator.comparingInt(
                    (String k) -> r.take(k).orElseThrow().getStartMark().getIndex())).toList();
            String second = inOrder.get(1);
            src.error(r.take(second).orElseThrow(), r.pathOf(second), "expected exactly one of webhook, email and exec,"
                    + " found " + String.join(" and ", inOrder) + "; write one rule per target");
            TARGETS.forEach(r::take);
            return Optional.empty();
        }
        return switch (given.getFirst()) {
            case "webhook" -> r.optional("webhook", NotifyParser::webhook);
            case "email" -> r.optional("email", NotifyParser::email);
            default -> r.optional("exec", NotifyParser::exec);
        };
    }

    private static Optional<NotifyTarget> webhook(Source src, Node node, String path) {
        if (node instanceof ScalarNode && !Values.isNull(node)) {
            return url(src, node, path).map(u -> new NotifyTarget.Webhook(u, Optional.empty(), Map.of()));
        }
        return MapReader.of(src, node, path, "a URL, or a mapping with url, secret_file and headers").flatMap(r -> {
            int before = src.problems().count();
            Optional<URI> url = r.required("url", "where to POST, like https://hooks.example.com/taskmaster",
                    NotifyParser::url);
            Optional<Path> secret = r.optional("secret_file", (s, n, p) -> SecretFiles.check(s, n, p, "webhook secret"));
            Map<String, String> headers = r.get("headers", Map.of(), NotifyParser::headers);
            r.rejectUnknown(WEBHOOK_KEYS);
            if (url.isEmpty() || src.problems().count() > before) {
                return Optional.empty();
            }
            return Optional.of(new NotifyTarget.Webhook(url.get(), secret, headers));
        });
    }

    private static Optional<URI> url(Source src, Node node, String path) {
        String expected = "an https:// URL (http:// only to a loopback host), like https://hooks.example.com/taskmaster";
        return Values.text(src, node, path, expected).flatMap(t -> src.expand(node, path, t)).flatMap(t -> {
            URI uri;
            try {
                uri = new URI(t.strip());
            } catch (URISyntaxException e) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node) + ": " + e.getReason());
                return Optional.empty();
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                return Optional.empty();
            }
            if (uri.getUserInfo() != null) {
                src.error(node, path, "expected a URL without user:password@ (it would be written in logs and events),"
                        + " found one; put a token in headers, or use secret_file to sign the requests");
                return Optional.empty();
            }
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                    : uri.getHost();
            if (scheme.equals("http") && !ListenerSpec.isLoopback(host)) {
                src.error(node, path, "expected an https:// URL for host " + uri.getHost() + ", found plain http://;"
                        + " the messages name programs, exits and output: plaintext is allowed to a loopback host only");
                return Optional.empty();
            }
            return Optional.of(uri);
        });
    }

    private static Optional<Map<String, String>> headers(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping of header names to values").flatMap(r -> {
            Map<String, String> out = new LinkedHashMap<>();
            boolean ok = true;
            for (MapReader.Entry e : r.all()) {
                String key = e.name();
                String keyPath = r.pathOf(key);
                if (!HEADER_NAME.matcher(key).matches()) {
                    src.error(e.key(), keyPath, "expected a header name (letters, digits and -), found \""
                            + Values.quotable(key) + "\"");
                    ok = false;
                    continue;
                }
                if (RESERVED_HEADERS.contains(key.toLowerCase(Locale.ROOT))) {
                    src.error(e.key(), keyPath, "header " + key + " is set by the daemon itself; remove it");
                    ok = false;
                    continue;
                }
                Optional<String> value = Values.text(src, e.value(), keyPath, "a header value")
                        .flatMap(t -> src.expand(e.value(), keyPath, t))
                        .filter(t -> t.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)
                                || reject(src, e.value(), keyPath, "expected a header value without control characters"
                                        + " (a line break would start another header), found one"));
                value.ifPresent(v -> out.put(key, v));
                ok &= value.isPresent();
            }
            return ok ? Optional.of(out) : Optional.empty();
        });
    }

    private static Optional<NotifyTarget> exec(Source src, Node node, String path) {
        String expected = "a command line, or a list of its words";
        if (node instanceof SequenceNode list) {
            List<String> argv = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < list.getValue().size(); i++) {
                Node item = list.getValue().get(i);
                String itemPath = path + "[" + i + "]";
                Optional<String> word = Values.text(src, item, itemPath, "a word of the command")
                        .flatMap(t -> src.expand(item, itemPath, t))
                        .filter(t -> Values.noNul(src, item, itemPath, t, "a word of the command"));
                word.ifPresent(argv::add);
                ok &= word.isPresent();
            }
            if (ok && argv.isEmpty()) {
                src.error(node, path, "expected " + expected + ", found an empty list");
                return Optional.empty();
            }
            return ok ? Optional.of(new NotifyTarget.Exec(String.join(" ", argv), argv)) : Optional.empty();
        }
        return Values.text(src, node, path, expected).flatMap(t -> src.expand(node, path, t))
                .filter(t -> Values.noNul(src, node, path, t, "a command line")).flatMap(t -> {
                    if (t.isBlank()) {
                        src.error(node, path, "expected " + expected + ", found an empty one");
                        return Optional.empty();
                    }
                    try {
                        List<String> argv = ShellWords.split(t);
                        if (argv.isEmpty()) {
                            src.error(node, path, "expected " + expected + ", found an empty one");
                            return Optional.empty();
                        }
                        return Optional.of(new NotifyTarget.Exec(t, argv));
                    } catch (IllegalArgumentException e) {
                        src.error(node, path, e.getMessage());
                        return Optional.empty();
                    }
                });
    }

    private static Optional<NotifyTarget> email(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping with smtp, from and to").flatMap(r -> {
            int before = src.problems().count();
            EmailSpec.Security security = r.get("security", EmailSpec.Security.STARTTLS, NotifyParser::security);
            Optional<ListenerParser.HostPort> smtp = r.required("smtp", "the mail server, host:port like smtp.example.com:587",
                    NotifyParser::smtp);
            Optional<String> user = r.optional("user", (s, n, p) -> Values.text(s, n, p, "a login name")
                    .flatMap(t -> s.expand(n, p, t)).filter(t -> !t.isBlank() && t.chars().noneMatch(c -> c < 0x20)
                            || reject(s, n, p, "expected a login name without control characters, found " + Values.describe(n))));
            Optional<Path> password = r.optional("password_file",
                    (s, n, p) -> SecretFiles.check(s, n, p, "SMTP password"));
            Optional<String> from = r.required("from", "the sender's address", NotifyParser::address);
            List<String> to = r.required("to", "the recipients' addresses", NotifyParser::addresses).orElse(List.of());
            Optional<Path> ca = r.optional("ca_file", (s, n, p) -> TlsFiles.certificates(s, n, p, "CA certificate"));
            r.rejectUnknown(EMAIL_KEYS);
            if (user.isPresent() != password.isPresent() && src.problems().count() == before) {
                String missing = user.isPresent() ? "password_file" : "user";
                src.error(r.node(), path, "expected user and password_file together, found " + (user.isPresent()
                        ? "user" : "password_file") + " without " + missing);
            }
            if (smtp.isPresent() && security == EmailSpec.Security.NONE) {
                if (password.isPresent()) {
                    r.take("security").ifPresent(n -> src.error(n, r.pathOf("security"), "expected starttls or tls when"
                            + " a password_file is given, found none: the password would cross the network in clear"));
                } else if (!ListenerSpec.isLoopback(smtp.get().host())) {
                    r.take("security").ifPresent(n -> src.error(n, r.pathOf("security"), "expected starttls or tls for"
                            + " the mail server " + smtp.get().host() + ", found none: plaintext SMTP only to a relay on"
                            + " loopback (127.0.0.1, [::1], localhost)"));
                }
            }
            if (smtp.isEmpty() || from.isEmpty() || to.isEmpty() || src.problems().count() > before) {
                return Optional.empty();
            }
            int port = smtp.get().port() != 0 ? smtp.get().port() : switch (security) {
                case STARTTLS -> EmailSpec.SUBMISSION_PORT;
                case TLS -> 465;
                case NONE -> 25;
            };
            return Optional.of(new NotifyTarget.Email(new EmailSpec(smtp.get().host(), port, security, user, password,
                    from.get(), to, ca)));
        });
    }

    /** {@code host:port}, or a host alone (the port then follows from {@code security}, 0 here). */
    private static Optional<ListenerParser.HostPort> smtp(Source src, Node node, String path) {
        if (node instanceof ScalarNode s && !Values.isNull(s) && s.getValue().indexOf(':') < 0) {
            String host = s.getValue().strip();
            if (host.matches("[A-Za-z0-9.-]+") && !host.isEmpty()) {
                return Optional.of(new ListenerParser.HostPort(host, host, 0));
            }
        }
        return ListenerParser.address(src, node, path).filter(a -> a.port() != 0 || reject(src, node, path,
                "expected a port from 1 to 65535, found 0"));
    }

    private static Optional<EmailSpec.Security> security(Source src, Node node, String path) {
        String expected = "starttls, tls or none";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "starttls" -> Optional.of(EmailSpec.Security.STARTTLS);
            case "tls", "ssl", "smtps" -> Optional.of(EmailSpec.Security.TLS);
            case "none" -> Optional.of(EmailSpec.Security.NONE);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }

    private static Optional<String> address(Source src, Node node, String path) {
        String expected = "a mail address like ops@example.com";
        return Values.text(src, node, path, expected).flatMap(t -> src.expand(node, path, t)).map(String::strip)
                .filter(t -> ADDRESS.matcher(t).matches()
                        || reject(src, node, path, "expected " + expected + ", found " + Values.describe(node)));
    }

    private static Optional<List<String>> addresses(Source src, Node node, String path) {
        if (!(node instanceof SequenceNode list)) {
            return address(src, node, path).map(List::of);
        }
        if (list.getValue().isEmpty()) {
            src.error(node, path, "expected at least one recipient, found an empty list");
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.getValue().size(); i++) {
            Optional<String> a = address(src, list.getValue().get(i), path + "[" + i + "]");
            a.ifPresent(out::add);
            ok &= a.isPresent();
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private static boolean reject(Source src, Node node, String path, String message) {
        src.error(node, path, message);
        return false;
    }
}
