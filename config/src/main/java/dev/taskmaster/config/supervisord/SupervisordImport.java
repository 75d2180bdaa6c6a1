package dev.taskmaster.config.supervisord;

import dev.taskmaster.config.FileBytes;
import dev.taskmaster.config.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A supervisord configuration ({@code supervisord.conf} and the files its {@code [include]}
 * names, or one {@code conf.d} file alone) written as one Taskmaster YAML file: the
 * {@code taskmasterd import-supervisord} command. Programs, groups, includes, supervisord's
 * {@code %(name)s} expansions, every key that maps; a located warning for each that does not.
 *
 * <p>Stateless; each call reads the files anew. Safe from any thread.
 */
public final class SupervisordImport {

    /** Where a problem is in the supervisord files, and what it is. */
    public record Note(Path file, int line, int column, String message) {
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "") + ": " + message;
        }
    }

    /** The YAML made, and what it could not carry over. */
    public record Result(String yaml, List<Note> warnings) {
    }

    /** The files cannot be imported: supervisord would refuse them too, or they cannot be read. */
    public static final class ImportException extends Exception {
        private final List<Note> errors;

        ImportException(List<Note> errors) {
            super(errors.size() + " error(s), the first: " + errors.getFirst());
            this.errors = List.copyOf(errors);
        }

        public List<Note> errors() {
            return errors;
        }
    }

    private static final Set<String> CLIENT_SECTIONS = Set.of("supervisorctl", "include", "rpcinterface:supervisor");

    private SupervisordImport() {
    }

    /**
     * @param env      the environment supervisord would see ({@code %(ENV_X)s}): names found in
     *                 it become {@code ${X}}, read by Taskmaster when the program starts
     * @param hostName what {@code %(host_node_name)s} stands for
     */
    public static Result convert(Path file, Map<String, String> env, String hostName) throws ImportException {
        Path main = file.toAbsolutePath().normalize();
        ImportNotes notes = new ImportNotes();
        IniFile ini = new IniFile();
        List<Path> read = new ArrayList<>();
        readInto(ini, main, notes);
        read.add(main);
        ini.section("include").ifPresent(include -> includes(ini, include, main, env, hostName, notes, read));
        throwIfErrors(notes);

        Map<String, String> daemonEnv = new LinkedHashMap<>();
        Optional<Path> daemonDir = Optional.empty();
        Optional<IniFile.Section> supervisord = ini.section("supervisord");
        if (supervisord.isPresent()) {
            daemonEnv = daemonEnvironment(supervisord.get(), env, hostName, notes);
            daemonDir = supervisord.get().get("directory").map(v -> Path.of(v.text().replace("%(here)s", v.here().toString())));
        }
        Map<String, String> groupOf = groups(ini, notes);
        Map<String, Integer> groupPriority = groupPriorities(ini, notes);
        throwIfErrors(notes);

        YamlOut yaml = new YamlOut();
        header(yaml, read);
        if (supervisord.isPresent() || ini.section("unix_http_server").isPresent()) {
            new ServerImport(ini, env, hostName, notes).write(yaml);
        }
        yaml.section(0, "programs");
        ProgramImport.Context ctx = new ProgramImport.Context(env, hostName, daemonEnv, daemonDir, groupPriority);
        int programs = 0;
        for (IniFile.Section s : ini.sections().values()) {
            String name = s.name();
            if (name.startsWith("program:")) {
                String program = name.substring("program:".length()).strip();
                new ProgramImport(s, groupOf.getOrDefault(program, program), ctx, notes).write(yaml);
                programs++;
            } else if (name.startsWith("fcgi-program:")) {
                notes.warn(s, "[" + name + "] not imported: Taskmaster does not open sockets for its programs (FastCGI);"
                        + " run the program with its own socket as a [program:]");
            } else if (name.startsWith("eventlistener:")) {
                notes.warn(s, "[" + name + "] not imported: Taskmaster has no event listener protocol; taskmasterctl events -f"
                        + " and the WatchEvents API give every event");
            } else if (name.startsWith("rpcinterface:") && !CLIENT_SECTIONS.contains(name)
                    || name.startsWith("ctlplugin:")) {
                notes.warn(s, "[" + name + "] not imported: supervisord plugins have no equivalent");
            } else if (!name.startsWith("group:") && !CLIENT_SECTIONS.contains(name) && !name.equals("supervisord")
                    && !name.equals("unix_http_server") && !name.equals("inet_http_server")) {
                notes.warn(s, "unknown section [" + name + "]; supervisord ignores it, and so does the import");
            }
        }
        if (programs == 0) {
            notes.warn(main, "no [program:x] section: the YAML has no programs");
        }
        throwIfErrors(notes);
        String text = yaml.text();
        if (programs == 0) {
            text = text.replace("programs:\n", "programs: {}\n");
        }
        return new Result(text, notes.warnings(read));
    }

    private static void header(YamlOut yaml, List<Path> read) {
        yaml.comment(0, "Taskmaster configuration made by `taskmasterd import-supervisord` from:");
        for (Path p : read) {
            yaml.comment(0, "  " + p);
        }
        yaml.comment(0, """

                supervisord signals only a program's main process when it stops it, unless
                stopasgroup/killasgroup say otherwise; Taskmaster's default (killmode: mixed) also
                kills what the process leaves behind in its process group. Add `killmode: process`
                to a program to keep supervisord's way. Check this file with:
                  taskmasterd --check-config FILE""");
        yaml.blank();
    }

    private static void readInto(IniFile ini, Path file, ImportNotes notes) {
        byte[] bytes;
        try {
            bytes = FileBytes.read(file, Limits.FILE_BYTES);
        } catch (FileBytes.Unreadable e) {
            notes.error(file, 0, "cannot read it: " + e.reason());
            return;
        }
        if (bytes.length > Limits.FILE_BYTES) {
            notes.error(file, 0, "larger than the limit of " + Limits.FILE_BYTES + " bytes for one configuration file");
            return;
        }
        try {
            ini.read(file, new String(bytes, StandardCharsets.UTF_8));
        } catch (IniFile.SyntaxError e) {
            notes.error(file, e.line(), e.getMessage());
        }
    }

    /** supervisord's [include] files: whitespace-separated globs, relative to the main file, each match in sorted order. */
    private static void includes(IniFile ini, IniFile.Section include, Path main, Map<String, String> env, String hostName,
            ImportNotes notes, List<Path> read) {
        Optional<IniFile.Value> files = include.get("files");
        if (files.isEmpty()) {
            notes.error(include, ".ini file has [include] section, but no files setting");
            return;
        }
        String text;
        try {
            text = PercentFormat.expand(files.get().text().replace("%(here)s", files.get().here().toString()),
                    literalExpansions(env, hostName));
        } catch (IllegalArgumentException e) {
            notes.error(files.get(), e.getMessage());
            return;
        }
        for (String pattern : text.split("\\s+")) {
            if (pattern.isEmpty()) {
                continue;
            }
            List<Path> matches = glob(main.getParent().resolve(pattern).normalize());
            if (matches.isEmpty()) {
                notes.warn(files.get(), "No file matches via include \"" + pattern + "\"");
            }
            for (Path m : matches) {
                if (read.size() >= Limits.FILES) {
                    notes.error(files.get(), "more than " + Limits.FILES + " files included");
                    return;
                }
                readInto(ini, m, notes);
                read.add(m);
            }
        }
    }

    /** The files a glob names, sorted; the glob may only be in the last part of the path, as in practice. */
    private static List<Path> glob(Path pattern) {
        Path dir = pattern.getParent();
        String last = pattern.getFileName().toString();
        List<Path> out = new ArrayList<>();
        if (!last.contains("*") && !last.contains("?") && !last.contains("[")) {
            if (Files.isRegularFile(pattern)) {
                out.add(pattern);
            }
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, last)) {
            for (Path p : entries) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    out.add(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    static Map<String, Object> literalExpansions(Map<String, String> env, String hostName) {
        Map<String, Object> m = new HashMap<>();
        env.forEach((k, v) -> m.put("ENV_" + k, v));
        m.put("host_node_name", hostName);
        return m;
    }

    private static Map<String, String> daemonEnvironment(IniFile.Section supervisord, Map<String, String> env, String hostName,
            ImportNotes notes) {
        Optional<IniFile.Value> v = supervisord.get("environment");
        if (v.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> expansions = new HashMap<>();
        env.keySet().forEach(k -> expansions.put("ENV_" + k, PercentFormat.envReference(k)));
        expansions.put("host_node_name", hostName);
        try {
            return PythonShlex.keyValuePairs(PercentFormat.expand(v.get().text().replace("%(here)s", v.get().here().toString()),
                    expansions));
        } catch (IllegalArgumentException e) {
            notes.error(v.get(), "environment: " + e.getMessage());
            return Map.of();
        }
    }

    /** Each program's [group:g], if any: supervisord refuses a group naming an unknown program. */
    private static Map<String, String> groups(IniFile ini, ImportNotes notes) {
        Map<String, String> groupOf = new HashMap<>();
        for (IniFile.Section s : ini.sections().values()) {
            if (!s.name().startsWith("group:")) {
                continue;
            }
            String group = s.name().substring("group:".length()).strip();
            Optional<IniFile.Value> programs = s.get("programs");
            if (programs.isEmpty()) {
                notes.error(s, "[" + s.name() + "] has no programs setting");
                continue;
            }
            for (String program : programs.get().text().split(",")) {
                String p = program.strip();
                if (p.isEmpty()) {
                    continue;
                }
                if (ini.section("program:" + p).isEmpty()) {
                    if (ini.section("fcgi-program:" + p).isEmpty()) {
                        notes.error(programs.get(), "[" + s.name() + "] names unknown program " + p);
                    }
                    continue;
                }
                String before = groupOf.put(p, group);
                if (before != null) {
                    notes.error(programs.get(), "program " + p + " is in two groups, " + before + " and " + group
                            + "; Taskmaster puts each program in one group");
                }
            }
        }
        return groupOf;
    }

    /** supervisord starts groups in the order of their priority; Taskmaster has one priority, each program's. */
    private static Map<String, Integer> groupPriorities(IniFile ini, ImportNotes notes) {
        Map<String, Integer> priorities = new HashMap<>();
        for (IniFile.Section s : ini.sections().values()) {
            if (!s.name().startsWith("group:") || s.get("priority").isEmpty()) {
                continue;
            }
            IniFile.Value v = s.get("priority").get();
            try {
                priorities.put(s.name().substring("group:".length()).strip(), SupervisordValues.integer(v.text()));
            } catch (IllegalArgumentException e) {
                notes.error(v, "priority: " + e.getMessage());
                continue;
            }
            notes.warn(v, "Taskmaster has no group priority: the programs of [" + s.name() + "] without a priority of their"
                    + " own get this one, so they start where supervisord starts the group; a program's own priority stays");
        }
        return priorities;
    }

    private static void throwIfErrors(ImportNotes notes) throws ImportException {
        if (!notes.errors().isEmpty()) {
            throw new ImportException(notes.errors());
        }
    }
}
