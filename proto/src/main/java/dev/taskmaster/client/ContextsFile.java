package dev.taskmaster.client;

import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The contexts file, {@code $XDG_CONFIG_HOME/taskmaster/contexts.yaml} (else
 * {@code ~/.config/taskmaster/contexts.yaml}):
 *
 * <pre>
 * current: prod
 * contexts:
 *   prod:
 *     server: web1.example.com:7443
 *     ca: /home/alice/.config/taskmaster/prod-ca.pem
 *     cert: /home/alice/.config/taskmaster/alice.pem
 *     key: /home/alice/.config/taskmaster/alice.key
 *     token_file: /home/alice/.config/taskmaster/prod.token
 *   dev:
 *     server: 127.0.0.1:7000
 *     plaintext: true
 * </pre>
 *
 * Written private (0600, in a 0700 directory it creates) and atomically (a new file renamed
 * over the old one, so a reader never sees half a file); read only if nobody but its owner
 * (the caller or root) could have written it, since it says where to send credentials.
 * Problems are reported as {@code file:line:column: key: message}. Stateless; any thread, but
 * two processes changing the file at once may lose one change (the last rename wins).
 */
public final class ContextsFile {

    private static final List<String> KEYS = List.of("server", "ca", "cert", "key", "token_file", "plaintext");

    private ContextsFile() {}

    /** Where the file is for this environment ({@code XDG_CONFIG_HOME} if absolute, else {@code HOME}). */
    public static Path location(Map<String, String> env) {
        return TargetResolver.contextsFile(env);
    }

    /**
     * The contexts in {@code file}; none if it does not exist.
     *
     * @param uid the caller's uid: the file must be the caller's or root's
     * @throws TargetException INVALID for a malformed file, UNSAFE for one others could have written
     */
    public static Contexts load(Path file, int uid) {
        String text;
        try {
            Map<String, Object> attrs = Files.readAttributes(file, "unix:uid,mode");
            int owner = (Integer) attrs.get("uid");
            int mode = (Integer) attrs.get("mode");
            if (owner != uid && owner != 0) {
                throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + file + ": owned by uid " + owner
                        + ", not by you (" + uid + ") or root");
            }
            if ((mode & 0022) != 0) {
                throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + file + ": writable by "
                        + ((mode & 0002) != 0 ? "others" : "its group") + " (mode " + String.format("%04o", mode & 07777)
                        + "), who could send your credentials elsewhere: chmod 600 " + file);
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Contexts.EMPTY;
        } catch (IOException e) {
            throw new TargetException(TargetException.Kind.INVALID, file + ": cannot read it: " + e.getMessage(), e);
        }
        return parse(file, text);
    }

    /** Reads the file's text; {@code file} is only for messages and relative paths. */
    static Contexts parse(Path file, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new TargetException(TargetException.Kind.INVALID, where(file, m) + "invalid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new TargetException(TargetException.Kind.INVALID, file + ": invalid YAML: " + e.getMessage());
        }
        if (root == null) {
            return Contexts.EMPTY;
        }
        String current = null;
        Node currentNode = null;
        Map<String, Context> contexts = new LinkedHashMap<>();
        for (NodeTuple t : mapping(file, root, "", "a mapping with current and contexts")) {
            String key = scalar(file, t.getKeyNode(), "", "a key");
            switch (key) {
                case "current" -> {
                    current = nullable(file, t.getValueNode(), "current");
                    currentNode = t.getValueNode();
                }
                case "contexts" -> {
                    if (isNull(t.getValueNode())) {
                        break;
                    }
                    for (NodeTuple c : mapping(file, t.getValueNode(), "contexts", "a mapping of context names to contexts")) {
                        String name = scalar(file, c.getKeyNode(), "contexts", "a context name");
                        try {
                            Context.checkName(name);
                        } catch (TargetException e) {
                            throw error(file, c.getKeyNode(), "contexts", e.getMessage());
                        }
                        contexts.put(name, context(file, name, c.getValueNode()));
                    }
                }
                default -> throw error(file, t.getKeyNode(), key, "unknown key \"" + key + "\"; expected current or contexts");
            }
        }
        if (current != null && !contexts.containsKey(current)) {
            throw error(file, currentNode, "current", "no context \"" + current + "\" in this file");
        }
        return new Contexts(current, contexts);
    }

    private static Context context(Path file, String name, Node node) {
        String at = "contexts." + name;
        ServerAddress server = null;
        Path ca = null;
        Path cert = null;
        Path key = null;
        Path token = null;
        boolean plaintext = false;
        for (NodeTuple t : mapping(file, node, at, "a mapping with server and optional ca, cert, key, token_file, plaintext")) {
            String k = scalar(file, t.getKeyNode(), at, "a key");
            String path = at + "." + k;
            Node v = t.getValueNode();
            switch (k) {
                case "server" -> {
                    try {
                        server = ServerAddress.parse(scalar(file, v, path, ServerAddress.FORMS));
                    } catch (TargetException e) {
                        throw error(file, v, path, e.getMessage());
                    }
                }
                case "ca" -> ca = path(file, v, path);
                case "cert" -> cert = path(file, v, path);
                case "key" -> key = path(file, v, path);
                case "token_file" -> token = path(file, v, path);
                case "plaintext" -> {
                    String b = scalar(file, v, path, "true or false");
                    if (!b.equals("true") && !b.equals("false")) {
                        throw error(file, v, path, "expected true or false, found \"" + b + "\"");
                    }
                    plaintext = b.equals("true");
                }
                default -> throw error(file, t.getKeyNode(), path, "unknown key \"" + k + "\"; expected one of " + String.join(", ", KEYS));
            }
        }
        if (server == null) {
            throw error(file, node, at, "no server; expected server: " + ServerAddress.FORMS);
        }
        ClientSecurity security = new ClientSecurity(ca, cert, key, token, plaintext);
        try {
            security.checkFor(server);
        } catch (TargetException e) {
            throw error(file, node, at, e.getMessage());
        }
        return new Context(name, server, security);
    }

    /** Writes {@code contexts} to {@code file}, private to the caller and atomically. */
    public static void save(Path file, Contexts contexts) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = Files.createTempFile(dir, ".contexts-", ".yaml.tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                     Writer w = java.nio.channels.Channels.newWriter(ch, StandardCharsets.UTF_8)) {
                    w.write(text(contexts));
                    w.flush();
                    ch.force(true);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new TargetException(TargetException.Kind.INVALID, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's text for {@code contexts}. */
    static String text(Contexts contexts) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (contexts.current() != null) {
            root.put("current", contexts.current());
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (Context c : contexts.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", c.server().toString());
            ClientSecurity s = c.security();
            putPath(m, "ca", s.ca());
            putPath(m, "cert", s.cert());
            putPath(m, "key", s.key());
            putPath(m, "token_file", s.tokenFile());
            if (s.plaintext()) {
                m.put("plaintext", true);
            }
            all.put(c.name(), m);
        }
        root.put("contexts", all);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(Integer.MAX_VALUE);
        return "# taskmaster-tui and taskmasterctl contexts, written by 'taskmasterctl context' (docs/remote.md)\n"
                + new Yaml(options).dump(root);
    }

    private static void putPath(Map<String, Object> m, String key, Path p) {
        if (p != null) {
            m.put(key, p.toString());
        }
    }

    // ---- reading nodes ------------------------------------------------------------------------

    private static List<NodeTuple> mapping(Path file, Node node, String path, String expected) {
        if (node instanceof MappingNode m) {
            return m.getValue();
        }
        throw error(file, node, path, "expected " + expected + ", found " + describe(node));
    }

    private static String scalar(Path file, Node node, String path, String expected) {
        if (node instanceof ScalarNode s && !isNull(s)) {
            return s.getValue();
        }
        throw error(file, node, path, "expected " + expected + ", found " + describe(node));
    }

    private static String nullable(Path file, Node node, String path) {
        return isNull(node) ? null : scalar(file, node, path, "a context name");
    }

    private static Path path(Path file, Node node, String path) {
        String text = scalar(file, node, path, "a path");
        Path p = Path.of(text);
        if (!p.isAbsolute()) {
            throw error(file, node, path, "expected an absolute path, found \"" + text + "\"");
        }
        return p.normalize();
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null");
    }

    private static String describe(Node node) {
        return switch (node) {
            case MappingNode m -> "a mapping";
            case ScalarNode s when isNull(s) -> "nothing";
            case ScalarNode s -> "\"" + s.getValue() + "\"";
            default -> "a list";
        };
    }

    private static TargetException error(Path file, Node node, String path, String message) {
        return new TargetException(TargetException.Kind.INVALID, where(file, node.getStartMark())
                + (path.isEmpty() ? "" : path + ": ") + message);
    }

    private static String where(Path file, Mark mark) {
        return mark == null ? file + ": " : file + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + ": ";
    }
}
