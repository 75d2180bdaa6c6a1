package dev.taskmaster.config.supervisord;

import dev.taskmaster.config.ShellWords;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code [program:x]} section written as Taskmaster programs. Every key supervisord knows
 * is read with supervisord's types and defaults and written only where Taskmaster would
 * otherwise do something else; a key with no equivalent is a located warning, and a comment
 * beside the program. Instances that differ by more than their names (a {@code command} with
 * {@code %(process_num)d}, a {@code numprocs_start}) become one program each, in one group, so
 * that every process keeps its supervisord name and command.
 *
 * <p>Not thread-safe; one import runs it.
 */
final class ProgramImport {

    /** Keys whose per-process values may differ (supervisord expands them with process_num). */
    private static final List<String> PER_PROCESS = List.of("command", "directory", "stdout_logfile", "stderr_logfile", "environment");
    private static final Set<String> KNOWN = Set.of("command", "process_name", "numprocs", "numprocs_start", "priority",
            "autostart", "autorestart", "startsecs", "startretries", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup",
            "killasgroup", "user", "redirect_stderr", "stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
            "stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog", "stderr_logfile", "stderr_logfile_maxbytes",
            "stderr_logfile_backups", "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog", "environment",
            "directory", "umask", "serverurl");
    /** What Taskmaster's process_name understands; anything else in a pattern is expanded per process. */
    private static final Pattern TASKMASTER_NAME_PART = Pattern.compile("%\\((?:program_name|group_name)\\)s|%\\(process_num\\)(?:0?\\d+)?d|%%");
    private static final Pattern ENV_NAME = Pattern.compile("%\\(ENV_([^)]*)\\)");
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./\u0001\u0002-]+");
    private static final Pattern OPERATOR = Pattern.compile("\\||\\|\\||&&|&|;|;;|[0-9]*(>|>>|<|<<|>&|<&|&>).*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");

    /** What the whole file gives every program. */
    /**
     * @param groupPriority each [group:g]'s own priority, by group name: its programs without a
     *                      priority of their own take it, so that they start where supervisord starts the group
     */
    record Context(Map<String, String> osEnv, String hostName, Map<String, String> daemonEnv, Optional<Path> daemonDirectory,
            Map<String, Integer> groupPriority) {
    }

    /** One process of the section, as supervisord would make it. */
    private record Process(String name, Map<String, String> values, Map<String, String> env) {
    }

    private final IniFile.Section section;
    private final String programName;
    private final String group;
    private final Context ctx;
    private final ImportNotes notes;
    private final List<String> comments = new ArrayList<>();

    ProgramImport(IniFile.Section section, String group, Context ctx, ImportNotes notes) {
        this.section = section;
        this.programName = section.name().substring(section.name().indexOf(':') + 1).strip();
        this.group = group;
        this.ctx = ctx;
        this.notes = notes;
    }

    /** Writes the program(s) under {@code programs:}; nothing when the section cannot be imported (an error is noted). */
    void write(YamlOut yaml) {
        if (!NAME.matcher(programName).matches()) {
            notes.error(section, "program name \"" + programName + "\" cannot be a Taskmaster name: expected letters, digits, '_', '.',"
                    + " '@' and '-', not starting with '.', '@' or '-'");
            return;
        }
        Optional<IniFile.Value> command = section.get("command");
        if (command.isEmpty()) {
            notes.error(section, "program section [" + section.name() + "] does not specify a command");
            return;
        }
        for (String key : section.values().keySet()) {
            if (!KNOWN.contains(key)) {
                IniFile.Value v = section.values().get(key);
                notes.warn(v, "unknown key \"" + key + "\" in [" + section.name() + "]; supervisord ignores it, and so does the import");
            }
        }
        int numprocs = integer("numprocs", 1);
        int start = integer("numprocs_start", 0);
        if (numprocs < 1) {
            notes.warn(section, "numprocs " + numprocs + " makes no process; [" + section.name() + "] is not imported");
            return;
        }
        Optional<String> pattern = section.get("process_name").map(IniFile.Value::text);
        if (numprocs > 1 && !pattern.orElse("").contains("%(process_num)")) {
            notes.error(section.get("process_name").orElse(command.get()), "%(process_num) must be present within process_name when numprocs > 1");
            return;
        }
        List<Process> processes = new ArrayList<>();
        for (int num = start; num < start + numprocs; num++) {
            Optional<Process> p = process(num, numprocs);
            if (p.isEmpty()) {
                return;
            }
            processes.add(p.get());
        }
        boolean alike = processes.stream().allMatch(p -> p.values.equals(processes.getFirst().values) && p.env.equals(processes.getFirst().env));
        String namePattern = pattern.orElse("%(program_name)s");
        boolean patternFits = TASKMASTER_NAME_PART.matcher(namePattern).replaceAll("").indexOf('%') < 0;
        if (numprocs > 1 && start == 0 && alike && patternFits) {
            yaml.comment(1, "[" + section.name() + "] " + section.file() + ":" + section.line());
            yaml.section(1, programName);
            if (!group.equals(programName)) {
                yaml.string(2, "group", group);
            }
            yaml.plain(2, "numprocs", numprocs);
            yaml.string(2, "process_name", namePattern);
            body(yaml, processes.getFirst());
            return;
        }
        if (numprocs > 1) {
            comments.add(0, numprocs + " processes that differ by more than their names"
                    + (start != 0 ? " (numbered from numprocs_start " + start + ")" : "") + ": one program each, in group " + group);
        }
        for (Process p : processes) {
            if (!NAME.matcher(p.name).matches()) {
                notes.error(section.get("process_name").orElseThrow(), "process name \"" + p.name
                        + "\" cannot be a Taskmaster name: expected letters, digits, '_', '.', '@' and '-'");
                return;
            }
            yaml.comment(1, "[" + section.name() + "] " + section.file() + ":" + section.line());
            String key = numprocs > 1 ? p.name : programName;
            yaml.section(1, key);
            if (numprocs == 1 && !p.name.equals(programName)) {
                yaml.string(2, "process_name", p.name.replace("%", "%%"));
            }
            if (numprocs > 1 || !group.equals(programName)) {
                yaml.string(2, "group", group);
            }
            body(yaml, p);
        }
    }

    /** One process: supervisord's per-process expansions, or empty when one fails (noted). */
    private Optional<Process> process(int num, int numprocs) {
        Map<String, Object> expansions = baseExpansions();
        expansions.put("process_num", num);
        expansions.put("numprocs", numprocs);
        Map<String, String> env = new LinkedHashMap<>(ctx.daemonEnv());
        Optional<IniFile.Value> envValue = section.get("environment");
        if (envValue.isPresent()) {
            Optional<String> text = expand(envValue.get(), expansions);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            try {
                env.putAll(PythonShlex.keyValuePairs(text.get()));
            } catch (IllegalArgumentException e) {
                notes.error(envValue.get(), e.getMessage());
                return Optional.empty();
            }
        }
        // supervisord lets the later keys use the program's own environment as %(ENV_X)s.
        env.forEach((k, v) -> expansions.put("ENV_" + k, v));
        Map<String, String> values = new HashMap<>();
        for (String key : PER_PROCESS) {
            if (key.equals("environment")) {
                continue;
            }
            Optional<IniFile.Value> v = section.get(key);
            if (v.isPresent()) {
                Optional<String> text = expand(v.get(), expansions);
                if (text.isEmpty()) {
                    return Optional.empty();
                }
                values.put(key, text.get());
            }
        }
        String pattern = section.get("process_name").map(IniFile.Value::text).orElse("%(program_name)s");
        String name;
        try {
            name = PercentFormat.expand(pattern, expansions);
        } catch (IllegalArgumentException e) {
            notes.error(section.get("process_name").orElseThrow(), e.getMessage());
            return Optional.empty();
        }
        return Optional.of(new Process(name.strip(), values, env));
    }

    private Map<String, Object> baseExpansions() {
        Map<String, Object> expansions = new HashMap<>();
        ctx.osEnv().keySet().forEach(k -> expansions.put("ENV_" + k, PercentFormat.envReference(k)));
        ctx.daemonEnv().forEach((k, v) -> expansions.put("ENV_" + k, v));
        expansions.put("program_name", programName);
        expansions.put("group_name", group);
        expansions.put("host_node_name", ctx.hostName());
        return expansions;
    }

    /** %(here)s, then supervisord's expansions; an unknown ENV_ name is kept as a reference, with a warning. */
    private Optional<String> expand(IniFile.Value value, Map<String, Object> expansions) {
        String text = value.text().replace("%(here)s", value.here().toString());
        Matcher m = ENV_NAME.matcher(text);
        Map<String, Object> all = expansions;
        while (m.find()) {
            String key = "ENV_" + m.group(1);
            if (!all.containsKey(key)) {
                if (all == expansions) {
                    all = new HashMap<>(expansions);
                }
                all.put(key, PercentFormat.envReference(m.group(1)));
                notes.warn(value, "%(ENV_" + m.group(1) + ")s: " + m.group(1) + " is not set here; supervisord refuses to start"
                        + " without it, Taskmaster reads ${" + m.group(1) + "} from its environment when the program starts");
            }
        }
        try {
            return Optional.of(PercentFormat.expand(text, all));
        } catch (IllegalArgumentException e) {
            notes.error(value, e.getMessage());
            return Optional.empty();
        }
    }

    /** Everything but the name: the keys that are the same for each process of the section. */
    private void body(YamlOut yaml, Process p) {
        List<String> bodyComments = new ArrayList<>(comments);
        command(p.values.get("command")).ifPresent(cmd -> yaml.string(2, "cmd", cmd));
        int priority = integer("priority", ctx.groupPriority().getOrDefault(group, 999));
        if (priority != 999) {
            yaml.plain(2, "priority", priority);
        }
        if (!bool("autostart", true)) {
            yaml.plain(2, "autostart", false);
        }
        typed("autorestart", SupervisordValues::autorestart).filter(a -> !a.equals("unexpected"))
                .ifPresent(a -> yaml.string(2, "autorestart", a));
        typed("exitcodes", SupervisordValues::exitcodes).filter(c -> !c.equals(List.of(0)))
                .ifPresent(c -> yaml.list(2, "exitcodes", c));
        int startsecs = integer("startsecs", 1);
        if (startsecs != 1) {
            yaml.string(2, "starttime", startsecs + "s");
        }
        int retries = integer("startretries", 3);
        if (retries != 3) {
            yaml.plain(2, "startretries", retries);
        }
        typed("stopsignal", SupervisordValues::signal).filter(s -> !s.equals("TERM")).ifPresent(s -> yaml.string(2, "stopsignal", s));
        int stopwait = integer("stopwaitsecs", 10);
        if (stopwait != 10) {
            yaml.string(2, "stoptime", stopwait + "s");
        }
        killKeys(yaml);
        Optional.ofNullable(p.values.get("directory")).or(() -> ctx.daemonDirectory().map(Path::toString))
                .ifPresent(d -> yaml.string(2, "workingdir", PercentFormat.toTaskmaster(d)));
        typed("umask", SupervisordValues::octal).ifPresent(u -> yaml.string(2, "umask", u));
        section.get("user").ifPresent(u -> yaml.string(2, "user", u.text()));
        output(yaml, p, bodyComments);
        if (!p.env.isEmpty()) {
            Map<String, String> env = new LinkedHashMap<>();
            p.env.forEach((k, v) -> env.put(k, PercentFormat.toTaskmaster(v)));
            yaml.map(2, "env", env);
        }
        for (String key : List.of("stdout_capture_maxbytes", "stderr_capture_maxbytes")) {
            section.get(key).filter(v -> !v.text().strip().equals("0")).ifPresent(v -> noEquivalent(bodyComments, v, key,
                    "Taskmaster has no capture mode (see taskmasterctl tail and events)"));
        }
        for (String key : List.of("stdout_events_enabled", "stderr_events_enabled")) {
            section.get(key).filter(v -> bool(key, false)).ifPresent(v -> noEquivalent(bodyComments, v, key,
                    "Taskmaster has no event listeners; follow output with taskmasterctl tail -f or logs -f"));
        }
        boolean redirected = bool("redirect_stderr", false);
        if (bool("stdout_syslog", false) || syslogLogfile(p, "stdout")) {
            yaml.plain(2, "stdout_syslog", true);
        }
        if (!redirected && (bool("stderr_syslog", false) || syslogLogfile(p, "stderr"))) {
            yaml.plain(2, "stderr_syslog", true);
        }
        section.get("serverurl").ifPresent(v -> noEquivalent(bodyComments, v, "serverurl",
                "programs reach Taskmaster through its socket (TASKMASTER_PROCESS_NAME is in their environment)"));
        for (String c : bodyComments) {
            yaml.comment(2, c);
        }
    }

    private void killKeys(YamlOut yaml) {
        Optional<Boolean> stopasgroup = typed("stopasgroup", SupervisordValues::bool);
        Optional<Boolean> killasgroup = typed("killasgroup", SupervisordValues::bool);
        if (stopasgroup.orElse(false)) {
            if (killasgroup.isPresent() && !killasgroup.get()) {
                notes.error(section.get("killasgroup").orElseThrow(), "Cannot set stopasgroup=true and killasgroup=false");
            }
            yaml.plain(2, "stopasgroup", true);
        } else if (killasgroup.isPresent() && !killasgroup.get()) {
            yaml.plain(2, "killasgroup", false);
        }
    }

    private void output(YamlOut yaml, Process p, List<String> bodyComments) {
        boolean redirect = bool("redirect_stderr", false);
        if (redirect) {
            yaml.plain(2, "redirect_stderr", true);
        }
        logfile(yaml, p, "stdout", bodyComments);
        if (redirect) {
            section.get("stderr_logfile").filter(v -> !isAuto(v.text()) && !isNone(v.text())).ifPresent(v -> notes.warn(v,
                    "redirect_stderr=true but stderr_logfile is also set to a file name; the file name is ignored, as supervisord does"));
        } else {
            logfile(yaml, p, "stderr", bodyComments);
        }
        // One rotation setting for both streams: the stdout one, unless only stderr is logged.
        boolean stderrLogged = !redirect && section.get("stderr_logfile").map(v -> !isNone(v.text())).orElse(true);
        String maxbytes = typed("stdout_logfile_maxbytes", SupervisordValues::size).orElse("50MB");
        typed("stderr_logfile_maxbytes", SupervisordValues::size).filter(s -> stderrLogged && !sameSize(s, maxbytes))
                .ifPresent(s -> notes.warn(section.get("stderr_logfile_maxbytes").orElseThrow(),
                        "stderr_logfile_maxbytes differs from stdout_logfile_maxbytes; Taskmaster has one logfile_maxbytes for both: "
                                + maxbytes + " is used"));
        if (!sameSize(maxbytes, "50MB")) {
            yaml.string(2, "logfile_maxbytes", maxbytes);
        }
        int backups = integer("stdout_logfile_backups", 10);
        typed("stderr_logfile_backups", SupervisordValues::integer).filter(b -> stderrLogged && b != backups)
                .ifPresent(b -> notes.warn(section.get("stderr_logfile_backups").orElseThrow(),
                        "stderr_logfile_backups differs from stdout_logfile_backups; Taskmaster has one logfile_backups for both: "
                                + backups + " is used"));
        if (backups != 10) {
            yaml.plain(2, "logfile_backups", backups);
        }
    }

    private void logfile(YamlOut yaml, Process p, String stream, List<String> bodyComments) {
        String value = p.values.get(stream + "_logfile");
        if (value == null || isAuto(value)) {
            return;
        }
        if (isNone(value)) {
            yaml.string(2, stream, "none");
            return;
        }
        if (value.strip().equalsIgnoreCase("syslog")) {
            // supervisord's deprecated spelling of {stream}_syslog=true with no file. Taskmaster forwards
            // only what it captures, so the stream stays captured (to its default log) and goes to syslog.
            return;
        }
        if (!value.startsWith("/") && !value.startsWith("~")) {
            notes.warn(section.get(stream + "_logfile").orElseThrow(), stream + "_logfile \"" + value
                    + "\" is relative: supervisord opens it from its working directory, Taskmaster from the configuration file's directory");
        }
        yaml.string(2, stream, PercentFormat.toTaskmaster(value));
    }

    private static boolean syslogLogfile(Process p, String stream) {
        String value = p.values.get(stream + "_logfile");
        return value != null && value.strip().equalsIgnoreCase("syslog");
    }

    /** The command as Taskmaster's cmd: as written when Taskmaster splits it into the same words, else each word quoted. */
    private Optional<String> command(String text) {
        List<String> words;
        try {
            words = PythonShlex.split(text);
        } catch (IllegalArgumentException e) {
            notes.error(section.get("command").orElseThrow(), "the command cannot be split into words (" + e.getMessage()
                    + "); supervisord would fail to start it");
            return Optional.empty();
        }
        if (words.isEmpty()) {
            notes.error(section.get("command").orElseThrow(), "the command is empty");
            return Optional.empty();
        }
        try {
            if (ShellWords.split(text).equals(words)) {
                return Optional.of(PercentFormat.toTaskmaster(text));
            }
        } catch (IllegalArgumentException differs) {
            // Shell syntax that supervisord passes as arguments: quoted below, with a warning.
        }
        StringBuilder cmd = new StringBuilder();
        for (String w : words) {
            if (OPERATOR.matcher(w).matches()) {
                notes.warn(section.get("command").orElseThrow(), "\"" + w + "\" in the command is passed to the program as an"
                        + " argument (supervisord runs no shell); it is quoted to stay so. To get a shell, run one: sh -c '…'");
            }
            cmd.append(cmd.isEmpty() ? "" : " ").append(PLAIN_WORD.matcher(w).matches() && !OPERATOR.matcher(w).matches()
                    ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return Optional.of(PercentFormat.toTaskmaster(cmd.toString()));
    }

    private void noEquivalent(List<String> bodyComments, IniFile.Value at, String key, String why) {
        notes.warn(at, key + " has no equivalent: " + why);
        bodyComments.add(key + " = " + at.text() + " was not imported: " + why);
    }

    private int integer(String key, int fallback) {
        return typed(key, SupervisordValues::integer).orElse(fallback);
    }

    private boolean bool(String key, boolean fallback) {
        return typed(key, SupervisordValues::bool).orElse(fallback);
    }

    /** A key's value in supervisord's type; empty when absent, or invalid (an error is noted once). */
    private <T> Optional<T> typed(String key, Function<String, T> parse) {
        Optional<IniFile.Value> v = section.get(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        String text = v.get().text().replace("%(here)s", v.get().here().toString());
        try {
            return Optional.of(parse.apply(PercentFormat.expand(text, baseExpansionsWithoutEnv())));
        } catch (IllegalArgumentException e) {
            if (reported.add(key)) {
                notes.error(v.get(), key + ": " + e.getMessage());
            }
            return Optional.empty();
        }
    }

    private final Set<String> reported = new java.util.HashSet<>();

    private Map<String, Object> baseExpansionsWithoutEnv() {
        Map<String, Object> m = new HashMap<>();
        ctx.osEnv().forEach((k, v) -> m.put("ENV_" + k, v));
        ctx.daemonEnv().forEach((k, v) -> m.put("ENV_" + k, v));
        m.put("program_name", programName);
        m.put("group_name", group);
        m.put("host_node_name", ctx.hostName());
        return m;
    }

    private static boolean isAuto(String v) {
        return v.strip().equalsIgnoreCase("auto");
    }

    private static boolean isNone(String v) {
        return v.strip().equalsIgnoreCase("none") || v.strip().equalsIgnoreCase("off");
    }

    private static boolean sameSize(String a, String b) {
        return bytes(a) == bytes(b);
    }

    private static long bytes(String size) {
        String s = size.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = s.endsWith("kb") ? 1024 : s.endsWith("mb") ? 1024 * 1024 : s.endsWith("gb") ? 1024L * 1024 * 1024 : 1;
        return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 2)) * unit;
    }

    @Override
    public String toString() {
        return Objects.toString(section.name());
    }
}
