package dev.taskmaster.server.run;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.ServerSpec;
import dev.taskmaster.config.YamlScalars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one program of {@code taskmasterd run}, made from its options: each option and each
 * {@code --set KEY=VALUE} becomes one line of the YAML a configuration file would hold under
 * {@code programs.NAME:}, read by the configuration's own loader, so every value is checked by
 * the same rules, and each error is told with the option it came from instead of a line number.
 * Not thread-safe; used once, on the main thread.
 */
final class RunProgram {

    /** The source name the loader puts in front of errors; replaced by the option in messages. */
    private static final String SOURCE = "taskmasterd-run";
    private static final Pattern KEY = Pattern.compile("[a-z_][a-z0-9_]*");
    /** A value that YAML reads as the number (or word) typed: written as it is, else as a string. */
    private static final Pattern PLAIN = Pattern.compile("-?[0-9A-Za-z.]+");
    /**
     * Settings that cannot apply to one command whose output passes through: there is one
     * process, it starts now, and nothing captures its output.
     */
    private static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("cmd", "the command is what follows --"),
            Map.entry("numprocs", "taskmasterd run supervises one process"),
            Map.entry("process_name", "taskmasterd run supervises one process; use --name"),
            Map.entry("autostart", "taskmasterd run starts its program at once"),
            Map.entry("tty", "the program gets taskmasterd's own terminal, if it has one"),
            Map.entry("logfile_maxbytes", "the output passes through, no log file is written"),
            Map.entry("logfile_backups", "the output passes through, no log file is written"),
            Map.entry("logfile_mode", "the output passes through, no log file is written"),
            Map.entry("logfile_timestamps", "the output passes through, no log file is written"),
            Map.entry("on_log_full", "the output passes through, no log file is written"),
            Map.entry("output_buffer", "the output passes through, nothing keeps it"));

    /** One line of the synthesized YAML: a key, its YAML value, and the option it came from. */
    private record Line(String key, String yaml, String origin) {
    }

    /** Options that cannot even be turned into settings; each problem is one sentence naming the option. */
    static final class Invalid extends Exception {
        private final List<String> problems;

        Invalid(List<String> problems) {
            super(String.join("; ", problems), null, false, false);
            this.problems = List.copyOf(problems);
        }

        List<String> problems() {
            return problems;
        }
    }

    private final String name;
    private final List<Line> lines;
    /** A private directory made for the heartbeat file; removed at the end. Null when none was made. */
    private final Path heartbeatDir;

    private RunProgram(String name, List<Line> lines, Path heartbeatDir) {
        this.name = name;
        this.lines = lines;
        this.heartbeatDir = heartbeatDir;
    }

    /** The program's name (and its only instance's). */
    String name() {
        return name;
    }

    /** The private directory of the heartbeat file, when one was made. */
    Optional<Path> heartbeatDir() {
        return Optional.ofNullable(heartbeatDir);
    }

    /** The settings of {@code options}, not yet checked by the configuration's rules; see {@link #load}. */
    static RunProgram of(RunOptions options) throws Invalid {
        List<String> problems = new ArrayList<>();
        if (options.command().isEmpty()) {
            problems.add("no command given: taskmasterd run [OPTIONS] -- CMD [ARGS…]");
        }
        String name = options.name() != null ? options.name() : defaultName(options.command());
        Map<String, Line> byKey = new LinkedHashMap<>();
        byKey.put("cmd", new Line("cmd", json(cmdLine(options.command())), "the command"));
        // Up at once: a command that is done quickly (true, a script) has not failed to start, it has
        // ended, and its exit code decides. Its restarts are paced by the backoff and bounded by
        // max_restarts; startretries (3) then only counts spawns that fail (a command not found).
        byKey.put("starttime", new Line("starttime", "0", "the defaults"));
        option(byKey, "max_restarts", options.maxRestarts(), "--max-restarts");
        if (options.backoffFactor() != null) {
            // delay = factor × 2^n: initial = factor, doubling; the cap must not be below the first delay.
            String max = seconds(options.backoffFactor()).filter(s -> s > 30).map(s -> yaml(options.backoffFactor())).orElse("30s");
            byKey.put("backoff", new Line("backoff", "{initial: " + yaml(options.backoffFactor()) + ", factor: 2, max: " + max
                    + "}", "--backoff-factor"));
        }
        if (options.gracePeriod() != null) {
            byKey.put("stopsignal", new Line("stopsignal", "TERM", "--grace-period"));
            option(byKey, "stoptime", options.gracePeriod(), "--grace-period");
        }
        Path dir = null;
        if (options.heartbeat()) {
            String file = options.heartbeatFile();
            if (file == null) {
                dir = privateDirectory();
                file = dir.resolve("heartbeat").toString();
            }
            StringBuilder check = new StringBuilder("{heartbeat_file: ").append(json(file.replace("$", "$$")));
            if (options.timeout() != null) {
                check.append(", max_age: ").append(yaml(options.timeout()));
            }
            // Looked at often enough to catch a stale heartbeat within half its age; one stale look is enough.
            double maxAge = options.timeout() == null ? 30 : seconds(options.timeout()).orElse(30.0);
            long intervalMillis = Math.max(100, Math.min(10_000, Math.round(maxAge * 500)));
            check.append(", interval: ").append(intervalMillis).append("ms, retries: 1, on_unhealthy: restart");
            if (options.initialCheckDelay() != null) {
                check.append(", start_period: ").append(yaml(options.initialCheckDelay()));
            }
            byKey.put("health_check", new Line("health_check", check.append('}').toString(), "--enable-heartbeat"));
        } else {
            for (String unused : new String[] {options.timeout() != null ? "--timeout" : null,
                    options.initialCheckDelay() != null ? "--initial-check-delay" : null}) {
                if (unused != null) {
                    problems.add(unused + ": only with --enable-heartbeat or --heartbeat-file");
                }
            }
        }
        for (String setting : options.settings()) {
            int eq = setting.indexOf('=');
            String key = eq < 0 ? setting : setting.substring(0, eq).trim();
            if (eq < 0 || !KEY.matcher(key).matches()) {
                problems.add("--set " + setting + ": expected KEY=VALUE with KEY a program setting (autorestart, exitcodes…)");
                continue;
            }
            String value = setting.substring(eq + 1);
            if (REFUSED.containsKey(key)) {
                problems.add("--set " + setting + ": " + key + " cannot be set with taskmasterd run: " + REFUSED.get(key));
            } else if (value.contains("\n") || value.contains("\r")) {
                problems.add("--set " + key + ": expected a value on one line, found a line break");
            } else {
                byKey.put(key, new Line(key, value.isBlank() ? "\"\"" : value, "--set " + setting));
            }
        }
        if (!problems.isEmpty()) {
            if (dir != null) {
                removeQuietly(dir);
            }
            throw new Invalid(problems);
        }
        return new RunProgram(name, List.copyOf(byKey.values()), dir);
    }

    /** The configuration of one program, checked as a file is; errors as {@link #describe} tells them. */
    Config load(Map<String, String> env) throws ConfigException {
        StringBuilder yaml = new StringBuilder();
        for (Line l : lines) {
            yaml.append(l.key()).append(": ").append(l.yaml()).append('\n');
        }
        Path cwd = Path.of("").toAbsolutePath();
        ProgramSpec program = ConfigLoader.loadProgram(name, yaml.toString(), SOURCE, cwd, env);
        List<String> refused = new ArrayList<>();
        for (String stream : new String[] {"stdout", "stderr"}) {
            OutputSpec spec = stream.equals("stdout") ? program.stdout() : program.stderr();
            if (spec instanceof OutputSpec.Capture c && c.file().isPresent()) {
                refused.add(stream);
            }
        }
        if (!refused.isEmpty()) {
            throw new ConfigException(refused.stream().map(s -> new ConfigError(cwd.resolve(SOURCE), lineOf(s), 0,
                    "programs." + name + "." + s, "expected none or capture (the output passes through), found a file;"
                            + " redirect taskmasterd's own output instead")).toList());
        }
        return new Config(cwd.resolve(SOURCE), List.of(), ServerSpec.DEFAULT, List.of(program), List.of());
    }

    /** The errors of {@link #load}, each naming the option it came from instead of a line of YAML nobody wrote. */
    List<String> describe(ConfigException e) {
        List<String> out = new ArrayList<>();
        for (ConfigError error : e.errors()) {
            String origin = error.line() >= 1 && error.line() <= lines.size() ? originOf(lines.get(error.line() - 1), error)
                    : "settings";
            String key = error.keyPath().startsWith("programs." + name + ".")
                    ? error.keyPath().substring(("programs." + name + ".").length()) : error.keyPath();
            out.add(origin + ": " + (key.isEmpty() ? "" : key + ": ") + error.message());
        }
        return out;
    }

    /** The heartbeat options share one line; the key in error says which of them it was. */
    private static String originOf(Line line, ConfigError error) {
        if (!line.origin().equals("--enable-heartbeat")) {
            return line.origin();
        }
        String path = error.keyPath();
        if (path.endsWith(".max_age")) {
            return "--timeout";
        }
        if (path.endsWith(".start_period")) {
            return "--initial-check-delay";
        }
        return path.endsWith(".heartbeat_file") ? "--heartbeat-file" : "--enable-heartbeat";
    }

    private int lineOf(String key) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).key().equals(key)) {
                return i + 1;
            }
        }
        return 0;
    }

    private static void option(Map<String, Line> byKey, String key, String value, String origin) {
        if (value != null) {
            byKey.put(key, new Line(key, yaml(value), origin));
        }
    }

    /** A value typed for an option: as it is when YAML reads it as typed, else a string (that the rules then refuse). */
    private static String yaml(String value) {
        return PLAIN.matcher(value).matches() ? value : json(value);
    }

    private static Optional<Double> seconds(String value) {
        try {
            return Optional.of(Double.parseDouble(value)).filter(d -> d >= 0 && !d.isInfinite());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The command as {@code cmd} is written: each word single-quoted (taken literally when split),
     * and every {@code $} doubled so that nothing typed after {@code --} is expanded as {@code ${VAR}}.
     */
    static String cmdLine(List<String> command) {
        List<String> words = new ArrayList<>();
        for (String w : command) {
            words.add("'" + w.replace("'", "'\\''").replace("$", "$$") + "'");
        }
        return String.join(" ", words);
    }

    /** A YAML double-quoted scalar: the one writer of them, shared with the API's YAML view. */
    static String json(String s) {
        return YamlScalars.doubleQuoted(s);
    }

    /** The command's file name, made a valid program name ({@code my-app}, {@code python3}). */
    static String defaultName(List<String> command) {
        if (command.isEmpty()) {
            return "program";
        }
        String base = Path.of(command.getFirst()).getFileName() == null ? "" : Path.of(command.getFirst()).getFileName().toString();
        String clean = base.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (clean.isEmpty() || !Character.isLetterOrDigit(clean.charAt(0)) && clean.charAt(0) != '_') {
            clean = "program" + (clean.isEmpty() ? "" : "_" + clean);
        }
        return clean;
    }

    private static Path privateDirectory() {
        try {
            // 0700, made by us and for us: nobody else can put a heartbeat there, or remove it.
            return Files.createTempDirectory("taskmaster-run-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the heartbeat file", e);
        }
    }

    /** Removes the heartbeat directory made for this run, with what the program put in it. */
    void cleanUp() {
        if (heartbeatDir != null) {
            removeQuietly(heartbeatDir);
        }
    }

    private static void removeQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing the exit for
        }
    }
}
