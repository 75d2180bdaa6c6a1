package dev.taskmaster.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Loads a configuration file and the files it includes into a validated {@link Config}, or
 * reports every problem at once in a {@link ConfigException}. Each call is independent and
 * may run on any thread; an instance is used by one load only.
 */
public final class ConfigLoader {

    private static final Set<String> TOP_KEYS = Set.of("server", "programs", "include", "notify");

    private final Map<String, String> env;
    private final Problems problems = new Problems();
    private final List<Path> files = new ArrayList<>();
    /** Real paths of the files being read, outermost first, to find include cycles. */
    private final Deque<Path> including = new ArrayDeque<>();
    private final Map<Path, Path> readFrom = new HashMap<>();
    private final Map<String, ProgramSpec> programs = new LinkedHashMap<>();
    private final Map<String, ConfigError> definedAt = new HashMap<>();
    /** Program → where each entry of its depends_on is written (see {@link DependsOnParser#entryNodes}). */
    private final Map<String, Map<String, Node>> dependsOnAt = new HashMap<>();
    private final Map<String, Source> definedIn = new HashMap<>();
    private final BoundedParser.Budget budget = new BoundedParser.Budget();
    /** Bytes of every file read so far, for {@link Limits#TOTAL_BYTES}. */
    private long bytesRead;
    /** Set once the limit of files is reported, so that it is reported once. */
    private boolean tooManyFiles;
    private ServerSpec server = ServerSpec.DEFAULT;
    private List<NotifyRule> notify = List.of();

    private ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Loads {@code file}, expanding {@code ${VAR}} from the process environment. */
    public static Config load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Loads {@code file}, expanding {@code ${VAR}} from {@code env}. */
    public static Config load(Path file, Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).loadMain(file.toAbsolutePath().normalize());
    }

    /**
     * Reads the settings of one program given as YAML text (a mapping, as under
     * {@code programs.NAME:} in a file), validated exactly as in a file. Relative paths are
     * taken from {@code baseDir}; {@code sourceName} names the text in messages.
     */
    public static ProgramSpec loadProgram(String name, String yaml, String sourceName, Path baseDir,
            Map<String, String> env) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(env);
        Path pseudoFile = baseDir.toAbsolutePath().normalize().resolve(sourceName);
        Source src = new Source(pseudoFile, loader.problems, loader.env);
        Optional<ProgramSpec> spec = loader.parseYaml(pseudoFile, yaml)
                .filter(node -> given(src, node, "programs." + name, "a mapping of program settings"))
                .flatMap(node -> {
                    ScalarNode key = new ScalarNode(org.yaml.snakeyaml.nodes.Tag.STR, name, node.getStartMark(),
                            node.getEndMark(), org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN);
                    return ProgramParser.parse(src, new MapReader.Entry(key, node), "programs");
                });
        return loader.programOrErrors(spec);
    }

    /**
     * Reads one program given as YAML text in the form it has under {@code programs:} in a file:
     * a mapping with one key, the program's name ({@code "web:\n  cmd: nginx\n"}). Validated
     * exactly as in a file; relative paths are taken from {@code baseDir}.
     */
    public static ProgramSpec loadProgramDefinition(String yaml, String sourceName, Path baseDir,
            Map<String, String> env) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(env);
        Path pseudoFile = baseDir.toAbsolutePath().normalize().resolve(sourceName);
        Source src = new Source(pseudoFile, loader.problems, loader.env);
        String expected = "a mapping of one program name to its settings";
        Optional<ProgramSpec> spec = loader.parseYaml(pseudoFile, yaml)
                .filter(node -> given(src, node, "programs", expected))
                .flatMap(node -> MapReader.of(src, node, "programs", expected))
                .flatMap(r -> {
                    List<MapReader.Entry> entries = r.all();
                    if (entries.size() != 1) {
                        src.error(r.node(), "programs", "expected exactly one program, found " + entries.size());
                        return Optional.empty();
                    }
                    return ProgramParser.parse(src, entries.getFirst(), "programs");
                });
        return loader.programOrErrors(spec);
    }

    /**
     * False, with an error, for empty text: a file may be empty, but a request to add or change
     * a program that says nothing is a mistake, and "missing key" at no position would hide it.
     */
    private static boolean given(Source src, Node node, String path, String expected) {
        if (Values.isNull(node)) {
            src.error(node, path, "expected " + expected + ", found nothing");
            return false;
        }
        return true;
    }

    /** Every parse that yields no program reports why, so an empty result with no problem is a bug. */
    private ProgramSpec programOrErrors(Optional<ProgramSpec> spec) throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return spec.orElseThrow(() -> new IllegalStateException("no program and no error"));
    }

    /** The instance names of {@code programs} that two programs would share; empty when none. */
    public static List<String> clashingInstanceNames(List<ProgramSpec> programs) {
        Map<String, String> owner = new HashMap<>();
        List<String> clashes = new ArrayList<>();
        for (ProgramSpec p : programs) {
            for (InstanceSpec i : p.instances()) {
                String other = owner.putIfAbsent(i.name(), p.name());
                if (other != null && !other.equals(p.name())) {
                    clashes.add(i.name());
                }
            }
        }
        return clashes;
    }

    private Config loadMain(Path file) throws ConfigException {
        readFile(file, null);
        checkInstanceNames();
        checkDependencies();
        if (!problems.isEmpty()) {
            List<ConfigError> errors = problems.sorted();
            boolean serverRead = errors.stream().noneMatch(e -> e.file().equals(file)
                    && (e.keyPath().isEmpty() || e.keyPath().equals("server") || e.keyPath().startsWith("server.")));
            throw new ConfigException(errors, serverRead ? Optional.of(server) : Optional.empty());
        }
        return new Config(file, files, server, List.copyOf(programs.values()), notify);
    }

    /**
     * Where an included file was named, to report there what keeps it from being read: the
     * problem is in the including file's line as much as in the file.
     */
    private record IncludeSite(Source src, Node node, String path) {
        void error(String message) {
            src.error(node, path, message);
        }
    }

    /** Reads the main file ({@code site} null) or an included one. */
    private void readFile(Path file, IncludeSite site) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            unreadable(file, site, FileBytes.reason(e));
            return;
        }
        files.add(file);
        including.push(real);
        readFrom.put(real, file);
        try {
            readText(file, site).flatMap(text -> YamlTree.parse(file, text, budget, problems))
                    .ifPresent(root -> readRoot(file, root, site == null));
        } finally {
            including.pop();
        }
    }

    private void unreadable(Path file, IncludeSite site, String reason) {
        if (site == null) {
            problems.add(new ConfigError(file, 0, 0, "", "cannot read: " + reason));
        } else {
            site.error("cannot read included file " + file + ": " + reason);
        }
    }

    /** The file's text: only a regular file, within the limits of size, and UTF-8 text YAML may hold. */
    private Optional<String> readText(Path file, IncludeSite site) {
        byte[] bytes;
        try {
            bytes = FileBytes.read(file, Limits.FILE_BYTES);
        } catch (FileBytes.Unreadable e) {
            unreadable(file, site, e.reason());
            return Optional.empty();
        }
        if (bytes.length > Limits.FILE_BYTES) {
            // Located where the limit is crossed, so that an editor shows what made the file so long.
            YamlText.Position at = YamlText.positionOfByte(bytes, Limits.FILE_BYTES);
            problems.add(new ConfigError(file, at.line(), at.column(), "", "the file goes on past "
                    + Limits.bytes(Limits.FILE_BYTES) + " here, the limit for one file" + sizeOf(file)));
            return Optional.empty();
        }
        bytesRead += bytes.length;
        if (bytesRead > Limits.TOTAL_BYTES) {
            String message = "with this file (" + bytes.length + " bytes) the configuration's files are "
                    + bytesRead + " bytes together, more than the limit of " + Limits.bytes(Limits.TOTAL_BYTES);
            if (site != null) {
                site.error(message);
            } else {
                problems.add(new ConfigError(file, 1, 1, "", message));
            }
            return Optional.empty();
        }
        try {
            return Optional.of(YamlText.decode(bytes));
        } catch (YamlText.Rejected e) {
            problems.add(new ConfigError(file, e.line(), e.column(), "", e.getMessage()));
            return Optional.empty();
        }
    }

    /** {@code " (it is 10485760 bytes)"}, when the file's size can still be read. */
    private static String sizeOf(Path file) {
        try {
            return " (it is " + Files.size(file) + " bytes)";
        } catch (IOException e) {
            return "";
        }
    }

    /** The YAML node tree of text given directly (not read from a file), within the same limits. */
    private Optional<Node> parseYaml(Path file, String text) {
        if (text.length() > Limits.FILE_BYTES) {
            problems.add(new ConfigError(file, 1, 1, "", "the text is " + text.length()
                    + " characters, more than the limit of " + Limits.FILE_BYTES));
            return Optional.empty();
        }
        return YamlTree.parse(file, text, budget, problems);
    }

    private void readRoot(Path file, Node root, boolean main) {
        Source src = new Source(file, problems, env);
        Optional<MapReader> maybe = MapReader.of(src, root, "", "a mapping with server, programs and include");
        if (maybe.isEmpty()) {
            return;
        }
        MapReader r = maybe.get();
        r.take("server").ifPresent(node -> {
            if (main) {
                server = ServerParser.parse(src, node);
            } else {
                src.error(node, "server", "server settings may only be in the main file ("
                        + files.getFirst() + "), not in an included file");
            }
        });
        r.take("notify").ifPresent(node -> {
            if (main) {
                notify = NotifyParser.parse(src, node);
            } else {
                src.error(node, "notify", "notify rules may only be in the main file (" + files.getFirst()
                        + "), not in an included file");
            }
        });
        r.take("programs").flatMap(node -> MapReader.of(src, node, "programs", "a mapping of program names to settings"))
                .ifPresent(list -> list.all().forEach(entry -> define(src, entry)));
        // x- keys hold YAML anchors to reuse (as in compose files), so they are not unknown.
        r.skip(key -> key.startsWith("x-"));
        Optional<Node> include = r.take("include");
        r.rejectUnknown(TOP_KEYS, "an x- key for anchors");
        // Included files come after this file's own programs, so the order of definition is the reading order.
        include.ifPresent(node -> include(src, node));
    }

    private void define(Source src, MapReader.Entry entry) {
        String name = entry.name();
        ConfigError here = new ConfigError(src.file(), entry.key().getStartMark().getLine() + 1,
                entry.key().getStartMark().getColumn() + 1, "programs." + name, "");
        ConfigError first = definedAt.putIfAbsent(name, here);
        if (first != null) {
            src.error(entry.key(), "programs." + name, "program \"" + name + "\" is already defined at "
                    + first.file() + ":" + first.line() + ":" + first.column());
            return;
        }
        ProgramParser.parse(src, entry, "programs").ifPresent(spec -> programs.put(name, spec));
        dependsOnAt.put(name, DependsOnParser.entryNodes(entry.value()));
        definedIn.put(name, src);
    }

    /** Unknown names, {@code healthy} without a health check, cycles: located at the depends_on entry. */
    private void checkDependencies() {
        for (DependencyCheck.Problem p : DependencyCheck.problems(List.copyOf(programs.values()))) {
            Map<String, Node> at = dependsOnAt.get(p.program());
            definedIn.get(p.program()).error(at.getOrDefault(p.dependency(), at.get("")), p.keyPath(), p.message());
        }
    }

    private void include(Source src, Node node) {
        List<Node> entries = node instanceof SequenceNode list ? list.getValue() : List.of(node);
        for (int i = 0; i < entries.size(); i++) {
            Node entry = entries.get(i);
            String path = node instanceof SequenceNode ? "include[" + i + "]" : "include";
            Values.text(src, entry, path, "a file path or glob").flatMap(t -> src.path(entry, path, t))
                    .ifPresent(pattern -> includeMatches(src, entry, path, pattern));
        }
    }

    private void includeMatches(Source src, Node node, String path, Path pattern) {
        String name = pattern.getFileName().toString();
        if (isGlob(pattern.getParent().toString())) {
            src.error(node, path, "wildcards are allowed only in the file name, not in the directory: " + pattern);
            return;
        }
        if (!isGlob(name)) {
            if (!Files.exists(pattern)) {
                src.error(node, path, "included file " + pattern + " does not exist");
            } else {
                includeFile(src, node, path, pattern);
            }
            return;
        }
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(pattern.getParent(), name)) {
            dir.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    matches.add(p);
                }
            });
        } catch (NoSuchFileException e) {
            return; // like a shell glob: a pattern in a missing directory matches nothing
        } catch (IOException e) {
            src.error(node, path, "cannot list " + pattern.getParent() + ": " + FileBytes.reason(e));
            return;
        }
        matches.stream().sorted().forEach(p -> includeFile(src, node, path, p));
    }

    private void includeFile(Source src, Node node, String path, Path file) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            src.error(node, path, "cannot read included file " + file + ": " + FileBytes.reason(e));
            return;
        }
        if (including.size() >= Limits.INCLUDE_DEPTH) {
            src.error(node, path, "cannot read included file " + file + ": it would be file " + (including.size() + 1)
                    + " in a chain of includes, more than the limit of " + Limits.INCLUDE_DEPTH);
            return;
        }
        if (files.size() >= Limits.FILES) {
            if (!tooManyFiles) {
                tooManyFiles = true;
                src.error(node, path, "cannot read included file " + file + ": the configuration already has "
                        + Limits.FILES + " files, the limit; this one and any after it are not read");
            }
            return;
        }
        if (including.contains(real)) {
            List<Path> chain = new ArrayList<>(including.reversed());
            chain.add(real);
            src.error(node, path, "include cycle: " + chain.stream().map(p -> readFrom.getOrDefault(p, p).toString())
                    .collect(Collectors.joining(" -> ")));
        } else if (readFrom.containsKey(real)) {
            src.error(node, path, "file " + file + " is already included; include each file once");
        } else {
            readFile(file, new IncludeSite(src, node, path));
        }
    }

    private static boolean isGlob(String s) {
        return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /** Two programs may not make the same instance name (with process_name patterns they could). */
    private void checkInstanceNames() {
        Map<String, String> owner = new HashMap<>();
        for (ProgramSpec p : programs.values()) {
            for (InstanceSpec i : p.instances()) {
                String other = owner.putIfAbsent(i.name(), p.name());
                if (other != null && !other.equals(p.name())) {
                    ConfigError at = definedAt.get(p.name());
                    problems.add(new ConfigError(at.file(), at.line(), at.column(), "programs." + p.name(),
                            "instance name \"" + i.name() + "\" is also made by program \"" + other
                                    + "\"; give one of them a different process_name"));
                    break;
                }
            }
        }
    }
}
