package dev.taskmaster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads one entry of {@code programs:} into a {@link ProgramSpec}, reporting every problem. */
final class ProgramParser {

    static final Set<String> KEYS = Set.of("cmd", "numprocs", "process_name", "autostart", "autorestart",
            "exitcodes", "starttime", "startretries", "backoff", "stopsignal", "stoptime", "stdout", "stderr",
            "redirect_stderr", "env", "workingdir", "umask", "user", "priority", "group", "stopasgroup",
            "killasgroup", "tty", "logfile_maxbytes", "logfile_backups", "logfile_timestamps", "output_buffer",
            "logfile_mode", "on_log_full", "killmode", "adopt", "health_check", "max_restarts",
            "start_delay", "cron", "depends_on", "stdout_syslog", "stderr_syslog");
    private static final Set<String> ADOPT_KEYS = Set.of("pidfile", "match");
    private static final Set<String> BACKOFF_KEYS = Set.of("initial", "factor", "max", "reset_after");
    /** Program and group names: typed in commands, used in file names, and never containing the ':' of group:name. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String CMD_EXPECTED = "the command line to run";
    static final String NAME_EXPECTED = "letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'";

    static final int DEFAULT_PRIORITY = 999;
    static final Duration DEFAULT_STARTTIME = Duration.ofSeconds(1);
    static final Duration DEFAULT_STOPTIME = Duration.ofSeconds(10);
    static final int DEFAULT_STARTRETRIES = 3;
    static final int MAX_NUMPROCS = 10_000;

    private ProgramParser() {
    }

    /** Empty when the program has any problem; every problem is reported to {@code src}. */
    static Optional<ProgramSpec> parse(Source src, MapReader.Entry entry, String parentPath) {
        String name = entry.name();
        String path = MapReader.join(parentPath, name);
        boolean ok = true;
        if (!NAME.matcher(name).matches() || name.equals("all")) {
            src.error(entry.key(), path, "invalid program name \"" + Values.quotable(name) + "\"; expected "
                    + (name.equals("all") ? "a name other than \"all\", which means every program" : NAME_EXPECTED));
            ok = false;
        } else if (name.length() > Limits.NAME_CHARS) {
            src.error(entry.key(), path, tooLong("program", name));
            ok = false;
        }
        Optional<MapReader> maybeReader = MapReader.of(src, entry.value(), path, "a mapping of program settings");
        if (maybeReader.isEmpty()) {
            return Optional.empty();
        }
        MapReader r = maybeReader.get();
        if (Values.isNull(entry.value())) {
            src.error(entry.key(), path, MapReader.missing("cmd", CMD_EXPECTED));
            return Optional.empty();
        }
        int errorsBefore = src.problems().count();

        Optional<String> cmd = r.required("cmd", CMD_EXPECTED, (s, n, p) -> Values.text(s, n, p, "a command line")
                .flatMap(t -> s.expand(n, p, t)).filter(t -> Values.noNul(s, n, p, t, "a command line")));
        List<String> argv = cmd.flatMap(c -> r.take("cmd").flatMap(n -> split(src, n, r.pathOf("cmd"), c)))
                .orElse(List.of());
        int numprocs = r.get("numprocs", 1, (s, n, p) -> Values.integer(s, n, p, 1, MAX_NUMPROCS));
        String group = r.get("group", name, ProgramParser::groupName);
        String processName = r.get("process_name", numprocs > 1
                ? ProgramSpec.DEFAULT_MULTI_PROCESS_NAME : ProgramSpec.DEFAULT_PROCESS_NAME,
                (s, n, p) -> Values.text(s, n, p, "a name pattern"));
        boolean autostart = r.get("autostart", true, Values::bool);
        RestartPolicy autorestart = r.get("autorestart", RestartPolicy.UNEXPECTED, ProgramParser::restartPolicy);
        Set<Integer> exitcodes = r.get("exitcodes", Set.of(0), ProgramParser::exitCodes);
        Duration starttime = r.get("starttime", DEFAULT_STARTTIME, Values::duration);
        int startretries = r.get("startretries", DEFAULT_STARTRETRIES,
                (s, n, p) -> Values.integer(s, n, p, -1, Integer.MAX_VALUE));
        Backoff backoff = r.get("backoff", Backoff.DEFAULT, ProgramParser::backoff);
        Signal stopsignal = r.get("stopsignal", Signal.TERM, ProgramParser::signal);
        Duration stoptime = r.get("stoptime", DEFAULT_STOPTIME, Values::duration);
        boolean tty = r.get("tty", false, Values::bool);
        boolean redirectStderr = r.get("redirect_stderr", false, Values::bool);
        OutputSpec stdout = r.get("stdout", OutputSpec.Capture.DEFAULT, ProgramParser::output);
        OutputSpec stderr = r.get("stderr", OutputSpec.Capture.DEFAULT, ProgramParser::output);
        Map<String, String> env = r.get("env", Map.of(), ProgramParser::environment);
        Optional<Path> workingdir = r.optional("workingdir",
                (s, n, p) -> Values.text(s, n, p, "a directory").flatMap(t -> s.path(n, p, t)));
        Optional<Integer> umask = r.optional("umask", Values::umask);
        Optional<String> user = r.optional("user", ProgramParser::userName);
        int priority = r.get("priority", DEFAULT_PRIORITY,
                (s, n, p) -> Values.integer(s, n, p, Integer.MIN_VALUE + 1, Integer.MAX_VALUE));
        Optional<Boolean> stopasgroupWritten = r.optional("stopasgroup", Values::bool);
        Optional<Boolean> killasgroupWritten = r.optional("killasgroup", Values::bool);
        Optional<KillMode> killmodeWritten = r.optional("killmode", ProgramParser::killMode);
        long maxBytes = r.get("logfile_maxbytes", LogRotation.DEFAULT.maxBytes(), Values::size);
        int backups = r.get("logfile_backups", LogRotation.DEFAULT.backups(),
                (s, n, p) -> Values.integer(s, n, p, 0, 1000));
        boolean timestamps = r.get("logfile_timestamps", false, Values::bool);
        long outputBuffer = r.get("output_buffer", ProgramSpec.DEFAULT_OUTPUT_BUFFER, ProgramParser::outputBuffer);
        int logfileMode = r.get("logfile_mode", ProgramSpec.DEFAULT_LOGFILE_MODE, Values::fileMode);
        LogFullPolicy onLogFull = r.get("on_log_full", LogFullPolicy.BLOCK, ProgramParser::logFullPolicy);
        Optional<AdoptSpec> adopt = r.optional("adopt", ProgramParser::adopt);
        Optional<HealthCheck> healthCheck = r.optional("health_check",
                (s, n, p) -> HealthCheckParser.parse(s, n, p, numprocs));
        int maxRestarts = r.get("max_restarts", -1, (s, n, p) -> Values.integer(s, n, p, -1, Integer.MAX_VALUE));
        StartSchedule schedule = StartScheduleParser.parse(r);
        List<Dependency> dependsOn = r.get("depends_on", List.of(), (s, n, p) -> DependsOnParser.parse(s, n, p, name));
        boolean stdoutSyslog = r.get("stdout_syslog", false, Values::bool);
        boolean stderrSyslog = r.get("stderr_syslog", false, Values::bool);
        r.rejectUnknown(KEYS);
        checkExecLimits(r, argv, env);

        if (redirectStderr && r.has("stderr")) {
            r.take("stderr").ifPresent(n -> src.error(n, r.pathOf("stderr"),
                    "stderr cannot be set when redirect_stderr is true: standard error goes into stdout"));
        }
        if (tty && r.has("stderr")) {
            r.take("stderr").ifPresent(n -> src.error(n, r.pathOf("stderr"),
                    "stderr cannot be set when tty is true: the terminal carries both streams into stdout"));
        }
        if ((redirectStderr || tty) && stderrSyslog) {
            r.take("stderr_syslog").ifPresent(n -> src.error(n, r.pathOf("stderr_syslog"), "stderr_syslog cannot be true when "
                    + (tty ? "tty" : "redirect_stderr") + " is true: standard error goes into stdout; set stdout_syslog"));
        }
        boolean stopasgroup = stopasgroupWritten.orElse(false);
        if (killmodeWritten.isEmpty() && stopasgroup && killasgroupWritten.equals(Optional.of(false))) {
            r.take("killasgroup").ifPresent(n -> src.error(n, r.pathOf("killasgroup"),
                    "killasgroup cannot be false when stopasgroup is true: the group would outlive a SIGKILL"));
        }
        KillMode killmode = killmodeWritten.orElseGet(() -> KillMode.of(stopasgroup, killasgroupWritten));
        killmodeWritten.ifPresent(mode -> {
            contradiction(r, "stopasgroup", stopasgroupWritten, mode.stopsGroup(), mode);
            contradiction(r, "killasgroup", killasgroupWritten, mode.killsGroup(), mode);
        });
        // The default pattern would only repeat, as an instance name, that the program name is invalid.
        if (ok || r.has("process_name")) {
            checkProcessName(r, processName, name, group, numprocs);
        }

        if (!ok || src.problems().count() > errorsBefore || cmd.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProgramSpec(name, cmd.get(), argv, numprocs, processName, autostart, autorestart,
                exitcodes, starttime, startretries, backoff, stopsignal, stoptime, stdout, stderr, redirectStderr,
                env, workingdir, umask, user, priority, group, killmode.stopsGroup(), killmode.killsGroup(), tty,
                new LogRotation(maxBytes, backups), timestamps, outputBuffer, logfileMode, onLogFull, killmode, adopt,
                healthCheck, maxRestarts, schedule, dependsOn, stdoutSyslog, stderrSyslog));
    }

    /** A supervisord key written beside {@code killmode} must say what the mode says, or it is an error. */
    private static void contradiction(MapReader r, String key, Optional<Boolean> written, boolean implied, KillMode mode) {
        if (written.isPresent() && written.get() != implied) {
            r.take(key).ifPresent(n -> r.source().error(n, r.pathOf(key), key + " cannot be " + written.get()
                    + " when killmode is " + mode.configValue() + ": " + switch (mode) {
                        case MIXED -> "mixed sends the stop signal to the process only and SIGKILL to its whole group";
                        case GROUP -> "group sends the stop signal and SIGKILL to the whole group";
                        case PROCESS -> "process signals the process only and leaves its group alone";
                    } + "; leave " + key + " out"));
        }
    }

    private static Optional<KillMode> killMode(Source src, Node node, String path) {
        String expected = "mixed, group or process";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "mixed" -> Optional.of(KillMode.MIXED);
            case "group" -> Optional.of(KillMode.GROUP);
            case "process" -> Optional.of(KillMode.PROCESS);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }

    /**
     * What exec would refuse (E2BIG) is refused here, where it is written: a program that can
     * never start would otherwise loop in BACKOFF, and a huge command line costs the daemon
     * memory in every copy it keeps.
     */
    private static void checkExecLimits(MapReader r, List<String> argv, Map<String, String> env) {
        long total = 0;
        for (int i = 0; i < argv.size(); i++) {
            long bytes = Limits.utf8Bytes(argv.get(i)) + 1;
            if (bytes > Limits.EXEC_STRING_BYTES) {
                r.take("cmd").ifPresent(n -> r.source().error(n, r.pathOf("cmd"), "expected arguments of at most "
                        + Limits.EXEC_STRING_BYTES + " bytes each (the kernel's limit, MAX_ARG_STRLEN), found one of "
                        + bytes + " bytes"));
                return;
            }
            total += bytes;
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            long bytes = Limits.utf8Bytes(e.getKey()) + 1 + Limits.utf8Bytes(e.getValue()) + 1;
            if (bytes > Limits.EXEC_STRING_BYTES) {
                r.take("env").ifPresent(n -> r.source().error(n, r.pathOf("env." + e.getKey()), "expected variables of at"
                        + " most " + Limits.EXEC_STRING_BYTES + " bytes each as NAME=value (the kernel's limit,"
                        + " MAX_ARG_STRLEN), found one of " + bytes + " bytes"));
                return;
            }
            total += bytes;
        }
        if (total > Limits.EXEC_BYTES) {
            long bytes = total;
            r.take("cmd").ifPresent(n -> r.source().error(n, r.pathOf("cmd"), "expected a command line and env of at most "
                    + Limits.bytes(Limits.EXEC_BYTES) + " together (the kernel's limit, ARG_MAX), found " + bytes
                    + " bytes in " + argv.size() + " arguments and " + env.size() + " variables"));
        }
    }


    private static boolean reject(Source src, Node node, String path, String message) {
        src.error(node, path, message);
        return false;
    }

    static Optional<String> userName(Source src, Node node, String path) {
        return Values.text(src, node, path, "a user name or uid")
                .filter(t -> !t.isBlank() || reject(src, node, path, "expected a user name or uid, found an empty string"))
                .filter(t -> Values.noNul(src, node, path, t, "a user name or uid"));
    }

    /** {@code expected a program name of at most 200 characters (…), found "web…web (300 characters)"}. */
    private static String tooLong(String what, String name) {
        return "expected a " + what + " name of at most " + Limits.NAME_CHARS + " characters (it names log files, and"
                + " a file name has at most 255 bytes), found \"" + Values.quotable(name) + "\"";
    }

    private static Optional<List<String>> split(Source src, Node node, String path, String cmd) {
        try {
            return Optional.of(ShellWords.split(cmd));
        } catch (IllegalArgumentException e) {
            src.error(node, path, e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<String> groupName(Source src, Node node, String path) {
        return Values.text(src, node, path, "a group name").filter(g -> NAME.matcher(g).matches()
                || reject(src, node, path, "invalid group name \"" + Values.quotable(g) + "\"; expected " + NAME_EXPECTED))
                .filter(g -> g.length() <= Limits.NAME_CHARS || reject(src, node, path, tooLong("group", g)));
    }

    private static void checkProcessName(MapReader r, String pattern, String name, String group, int numprocs) {
        Node at = r.take("process_name").orElse(r.node());
        String path = r.pathOf("process_name");
        try {
            if (numprocs > 1 && !ProcessNames.usesProcessNum(pattern)) {
                r.source().error(at, path, "process_name \"" + pattern + "\" must contain %(process_num)d"
                        + " when numprocs is " + numprocs + ", or every instance would have the same name");
                return;
            }
            for (int i : new int[] {0, numprocs - 1}) {
                String instance = ProcessNames.format(pattern, name, group, i);
                if (!ProcessNames.VALID_NAME.matcher(instance).matches()) {
                    r.source().error(at, path, "process_name \"" + Values.quotable(pattern) + "\" makes the invalid name \""
                            + Values.quotable(instance) + "\"; expected letters, digits and '_', '.', ':', '@', '-'");
                    return;
                }
                if (instance.length() > Limits.INSTANCE_NAME_CHARS) {
                    r.source().error(at, path, "expected instance names of at most " + Limits.INSTANCE_NAME_CHARS
                            + " characters (so that the log file " + "<instance>.stderr.log.1000 fits in a file name's 255"
                            + " bytes), found \"" + Values.quotable(instance) + "\""
                            + (r.has("process_name") ? "; shorten process_name" : "; shorten the program name"));
                    return;
                }
            }
        } catch (IllegalArgumentException e) {
            r.source().error(at, path, e.getMessage());
        }
    }

    private static Optional<Long> outputBuffer(Source src, Node node, String path) {
        return Values.size(src, node, path).filter(b -> b >= ProgramSpec.MIN_OUTPUT_BUFFER && b <= ProgramSpec.MAX_OUTPUT_BUFFER
                || reject(src, node, path, "expected a size from 4KB to 1GB, found " + Values.describeSize(node, b)));
    }

    private static Optional<RestartPolicy> restartPolicy(Source src, Node node, String path) {
        String expected = "always, never or unexpected";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.toLowerCase(Locale.ROOT)) {
            case "always", "true" -> Optional.of(RestartPolicy.ALWAYS);
            case "never", "false" -> Optional.of(RestartPolicy.NEVER);
            case "unexpected" -> Optional.of(RestartPolicy.UNEXPECTED);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }

    private static Optional<LogFullPolicy> logFullPolicy(Source src, Node node, String path) {
        String expected = "block or drop";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "block" -> Optional.of(LogFullPolicy.BLOCK);
            case "drop" -> Optional.of(LogFullPolicy.DROP);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }

    private static Optional<Set<Integer>> exitCodes(Source src, Node node, String path) {
        if (!(node instanceof SequenceNode list)) {
            return Values.integer(src, node, path, 0, 255).map(Set::of);
        }
        Set<Integer> codes = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < list.getValue().size(); i++) {
            Optional<Integer> code = Values.integer(src, list.getValue().get(i), path + "[" + i + "]", 0, 255);
            code.ifPresent(codes::add);
            ok &= code.isPresent();
        }
        return ok ? Optional.of(codes) : Optional.empty();
    }

    static Optional<Signal> signal(Source src, Node node, String path) {
        return Values.text(src, node, path, "a signal name or number").flatMap(t -> {
            Optional<Signal> s = Signal.parse(t);
            if (s.isEmpty()) {
                src.error(node, path, "unknown signal " + Values.describe(node)
                        + "; expected a name such as TERM, SIGTERM, INT, HUP, QUIT, KILL, USR1, USR2,"
                        + " or a number from 1 to " + Signal.MAX
                        + Suggestions.hint(t.toUpperCase(Locale.ROOT).replaceFirst("^SIG", ""),
                                Signal.named().stream().map(Signal::name).toList()));
            }
            return s;
        });
    }

    /** {@code adopt:} a mapping with exactly one of {@code pidfile} (an absolute path) and {@code match} (a regex). */
    private static Optional<AdoptSpec> adopt(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping with pidfile or match").flatMap(r -> {
            Optional<AdoptSpec> pidfile = r.optional("pidfile", (s, n, p) -> Values.text(s, n, p, "an absolute path")
                    .flatMap(t -> s.expand(n, p, t))
                    .filter(t -> Values.noNul(s, n, p, t, "an absolute path"))
                    .flatMap(t -> {
                        if (!t.startsWith("/")) {
                            s.error(n, p, "expected an absolute path, found " + Values.describe(n)
                                    + "; the daemon's working directory is no place to look for a pidfile");
                            return Optional.empty();
                        }
                        return Optional.of(new AdoptSpec.Pidfile(Path.of(t).normalize()));
                    }));
            Optional<AdoptSpec> match = r.optional("match", (s, n, p) -> Values.text(s, n, p, "a regular expression")
                    .flatMap(t -> s.expand(n, p, t)) // ${VAR} as in every value; a regex's own $ is written $$
                    .filter(t -> Values.noNul(s, n, p, t, "a regular expression"))
                    .flatMap(t -> {
                        if (t.isBlank()) {
                            s.error(n, p, "expected a regular expression that finds a command line, found an empty one");
                            return Optional.empty();
                        }
                        try {
                            return Optional.of(new AdoptSpec.Match(t));
                        } catch (java.util.regex.PatternSyntaxException e) {
                            s.error(n, p, "expected a regular expression, found " + Values.describe(n) + ": "
                                    + e.getDescription() + " at index " + e.getIndex());
                            return Optional.empty();
                        }
                    }));
            long before = src.problems().count();
            r.rejectUnknown(ADOPT_KEYS);
            boolean unknownKeys = src.problems().count() > before;
            boolean bothWritten = r.has("pidfile") && r.has("match");
            if (bothWritten) {
                r.take("match").ifPresent(n -> src.error(n, r.pathOf("match"),
                        "expected exactly one of pidfile and match, found both; keep one"));
                return Optional.empty();
            }
            if (!r.has("pidfile") && !r.has("match") && !unknownKeys) {
                src.error(node, path, "expected exactly one of pidfile and match, found neither");
                return Optional.empty();
            }
            return pidfile.or(() -> match);
        });
    }

    private static Optional<Backoff> backoff(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping with initial, factor, max and reset_after").flatMap(r -> {
            Duration initial = r.get("initial", Backoff.DEFAULT.initial(), Values::duration);
            double factor = r.get("factor", Backoff.DEFAULT.factor(), (s, n, p) -> Values.decimal(s, n, p, 1.0));
            Duration max = r.get("max", Backoff.DEFAULT.max(), Values::duration);
            Duration resetAfter = r.get("reset_after", Backoff.DEFAULT_RESET_AFTER, Values::duration);
            r.rejectUnknown(BACKOFF_KEYS);
            if (max.compareTo(initial) < 0) {
                src.error(r.take("max").orElse(node), r.pathOf("max"), "backoff max (" + max.toMillis()
                        + " ms) is shorter than backoff initial (" + initial.toMillis() + " ms)");
                return Optional.empty();
            }
            return Optional.of(new Backoff(initial, factor, max, resetAfter));
        });
    }

    private static Optional<OutputSpec> output(Source src, Node node, String path) {
        // Expanded first, so that ${OUT:-none} can choose to discard.
        return Values.text(src, node, path, "a file path, \"none\" or \"capture\"")
                .flatMap(t -> src.expand(node, path, t))
                .flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
                    case "none" -> Optional.of(OutputSpec.Discard.INSTANCE);
                    case "capture", "auto" -> Optional.of(OutputSpec.Capture.DEFAULT);
                    default -> src.path(node, path, t, false).map(p -> new OutputSpec.Capture(Optional.of(p)));
                });
    }

    private static Optional<Map<String, String>> environment(Source src, Node node, String path) {
        return MapReader.of(src, node, path, "a mapping of variable names to values").flatMap(r -> {
            Map<String, String> env = new LinkedHashMap<>();
            List<String> bad = new ArrayList<>();
            for (MapReader.Entry e : r.all()) {
                String p = r.pathOf(e.name());
                if (!ENV_NAME.matcher(e.name()).matches()) {
                    src.error(e.key(), p, "invalid environment variable name \"" + e.name()
                            + "\"; expected letters, digits and '_', not starting with a digit");
                    bad.add(e.name());
                    continue;
                }
                Optional<String> value = Values.text(src, e.value(), p, "a value (quote it to make it text)")
                        .flatMap(t -> src.expand(e.value(), p, t))
                        .filter(t -> Values.noNul(src, e.value(), p, t, "a value"));
                value.ifPresentOrElse(v -> env.put(e.name(), v), () -> bad.add(e.name()));
            }
            return bad.isEmpty() ? Optional.of(env) : Optional.empty();
        });
    }
}
