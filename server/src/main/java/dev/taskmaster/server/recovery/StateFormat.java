package dev.taskmaster.server.recovery;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.recovery.StateFile.Contents;
import dev.taskmaster.server.recovery.StateFile.Entry;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The text of a state file: a few lines a person can read, one {@code process} line per live
 * process, and an {@code end} line that counts them, so a file cut short is told from a whole
 * one. Instance names are percent-encoded (they are one word in the file whatever they hold).
 * Reading is strict: anything unexpected is an {@link StateFile.Invalid} naming the file, the
 * line, what was expected and what was found.
 *
 * <pre>
 * # taskmaster state file: written by taskmasterd for crash recovery; do not edit
 * format 1
 * boot 6f1c2d0e-…
 * daemon 4242
 * sequence 1234
 * written 2026-12-07T05:40:12.345Z
 * process name=web%3A0 pid=4300 start=912345 session=4300 uid=1000 adopted=false stdin=pipe:81234 stdout=pipe:81235 stderr=pipe:81236 stopsignal=15 stoptime=PT10S killmode=mixed
 * end 1
 * </pre>
 *
 * <p>Threading: stateless.
 */
final class StateFormat {

    static final int VERSION = 1;
    static final String HEADER = "# taskmaster state file: written by taskmasterd for crash recovery; do not edit";
    private static final Pattern SPACE = Pattern.compile(" ");
    private static final List<String> KEYS = List.of("name", "pid", "start", "session", "uid", "adopted", "stdin", "stdout",
            "stderr", "stopsignal", "stoptime", "killmode");

    private StateFormat() {
    }

    static String format(Contents c) {
        StringBuilder b = new StringBuilder(256 + 200 * c.processes().size());
        b.append(HEADER).append('\n');
        b.append("format ").append(VERSION).append('\n');
        b.append("boot ").append(c.bootId()).append('\n');
        b.append("daemon ").append(c.daemonPid()).append('\n');
        b.append("sequence ").append(c.lastSequence()).append('\n');
        b.append("written ").append(c.written()).append('\n');
        for (Entry e : c.processes()) {
            b.append("process name=").append(URLEncoder.encode(e.instance(), StandardCharsets.UTF_8))
                    .append(" pid=").append(e.pid())
                    .append(" start=").append(e.startTicks())
                    .append(" session=").append(e.session())
                    .append(" uid=").append(e.uid())
                    .append(" adopted=").append(e.adopted())
                    .append(" stdin=").append(e.stdin())
                    .append(" stdout=").append(e.stdout())
                    .append(" stderr=").append(e.stderr())
                    .append(" stopsignal=").append(e.stopSignal())
                    .append(" stoptime=").append(e.stoptime())
                    .append(" killmode=").append(e.killmode().configValue())
                    .append('\n');
        }
        b.append("end ").append(c.processes().size()).append('\n');
        return b.toString();
    }

    /** Reads what {@link #format} wrote. */
    static Contents parse(Path source, String text) throws StateFile.Invalid {
        Reader r = new Reader(source, text.split("\n", -1));
        if (!text.isEmpty() && !text.endsWith("\n")) {
            // Every write ends with a newline: a file without one was cut short (or is not ours).
            throw new StateFile.Invalid(source + ":" + (r.lines.length) + ": expected a newline at the end of the file, found none"
                    + " (cut short?)");
        }
        r.expectLine(HEADER, "the header line \"" + HEADER + "\" (not a taskmaster state file)");
        int version = r.number(r.keyword("format"), "format version", Integer::parseInt);
        if (version != VERSION) {
            throw r.error("format " + VERSION, "format " + version + " (written by another version of taskmasterd)");
        }
        String boot = r.keyword("boot");
        if (boot.isEmpty() || boot.contains(" ")) {
            throw r.error("a boot id", quote(boot));
        }
        int daemon = r.number(r.keyword("daemon"), "the daemon's pid", Integer::parseInt);
        long sequence = r.number(r.keyword("sequence"), "the last event sequence", Long::parseLong);
        String writtenText = r.keyword("written");
        Instant written;
        try {
            written = Instant.parse(writtenText);
        } catch (DateTimeParseException e) {
            throw r.error("a time such as 2026-12-07T05:40:12Z", quote(writtenText));
        }
        List<Entry> processes = new ArrayList<>();
        while (true) {
            String line = r.next("a process line or \"end N\"");
            if (line.startsWith("end ")) {
                int count = r.number(line.substring(4), "the number of process lines", Integer::parseInt);
                if (count != processes.size()) {
                    throw r.error("end " + processes.size() + " (the number of process lines)", quote(line));
                }
                break;
            }
            if (!line.startsWith("process ")) {
                throw r.error("a process line or \"end N\"", quote(line));
            }
            processes.add(entry(r, line.substring(8)));
        }
        r.expectEnd();
        return new Contents(boot, daemon, sequence, written, processes);
    }

    private static Entry entry(Reader r, String fields) throws StateFile.Invalid {
        Map<String, String> values = new LinkedHashMap<>();
        for (String field : SPACE.split(fields)) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw r.error("key=value", quote(field));
            }
            String key = field.substring(0, eq);
            if (!KEYS.contains(key)) {
                throw r.error("one of " + String.join(", ", KEYS), "key " + quote(key));
            }
            if (values.put(key, field.substring(eq + 1)) != null) {
                throw r.error("each key once", quote(key) + " twice");
            }
        }
        for (String key : KEYS) {
            if (!values.containsKey(key)) {
                throw r.error("the key " + key, "a process line without it");
            }
        }
        String name;
        try {
            name = URLDecoder.decode(values.get("name"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw r.error("a percent-encoded instance name", quote(values.get("name")));
        }
        if (name.isEmpty()) {
            throw r.error("an instance name", "an empty one");
        }
        int pid = r.positive(values.get("pid"), "pid");
        long start = r.number(values.get("start"), "start ticks", Long::parseLong);
        int session = r.number(values.get("session"), "session id", Integer::parseInt);
        int uid = r.number(values.get("uid"), "uid", Integer::parseInt);
        String adopted = values.get("adopted");
        if (!adopted.equals("true") && !adopted.equals("false")) {
            throw r.error("adopted=true or adopted=false", quote("adopted=" + adopted));
        }
        StreamIdentity stdin = r.stream(values.get("stdin"), "stdin");
        StreamIdentity stdout = r.stream(values.get("stdout"), "stdout");
        StreamIdentity stderr = r.stream(values.get("stderr"), "stderr");
        int signal = r.positive(values.get("stopsignal"), "stopsignal");
        if (signal > dev.taskmaster.config.Signal.MAX) {
            throw r.error("a signal number from 1 to " + dev.taskmaster.config.Signal.MAX, quote(values.get("stopsignal")));
        }
        Duration stoptime;
        try {
            stoptime = Duration.parse(values.get("stoptime"));
        } catch (DateTimeParseException e) {
            throw r.error("a duration such as PT10S", quote(values.get("stoptime")));
        }
        if (stoptime.isNegative()) {
            throw r.error("a duration of 0 or more", quote(values.get("stoptime")));
        }
        KillMode mode;
        try {
            mode = KillMode.valueOf(values.get("killmode").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw r.error("killmode mixed, group or process", quote(values.get("killmode")));
        }
        return new Entry(name, pid, start, session, uid, Boolean.parseBoolean(adopted), stdin, stdout, stderr, signal,
                stoptime, mode);
    }

    private static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The lines of one file, with the position for errors. */
    private static final class Reader {
        private final Path source;
        final String[] lines;
        private int index;

        Reader(Path source, String[] lines) {
            this.source = source;
            this.lines = lines;
        }

        StateFile.Invalid error(String expected, String found) {
            return new StateFile.Invalid(source + ":" + Math.max(1, index) + ": expected " + expected + ", found " + found);
        }

        String next(String expected) throws StateFile.Invalid {
            // The text ends with a newline: the last element of the split is the empty rest.
            if (index >= lines.length - 1) {
                index = lines.length;
                throw error(expected, "the end of the file (cut short?)");
            }
            return lines[index++];
        }

        void expectLine(String line, String what) throws StateFile.Invalid {
            String found = next(what);
            if (!found.equals(line)) {
                throw error(what, quote(found));
            }
        }

        String keyword(String key) throws StateFile.Invalid {
            String line = next("\"" + key + " …\"");
            if (!line.startsWith(key + " ")) {
                throw error("\"" + key + " …\"", quote(line));
            }
            return line.substring(key.length() + 1);
        }

        <T extends Number> T number(String text, String what, Function<String, T> parse) throws StateFile.Invalid {
            try {
                T n = parse.apply(text);
                if (n.longValue() < 0) {
                    throw error(what + " (a number of 0 or more)", quote(text));
                }
                return n;
            } catch (NumberFormatException e) {
                throw error(what + " (a number)", quote(text));
            }
        }

        int positive(String text, String what) throws StateFile.Invalid {
            int n = number(text, what, Integer::parseInt);
            if (n == 0) {
                throw error(what + " (a number of 1 or more)", quote(text));
            }
            return n;
        }

        StreamIdentity stream(String text, String what) throws StateFile.Invalid {
            Optional<StreamIdentity> s = StreamIdentity.parse(text);
            if (s.isEmpty()) {
                throw error(what + " as pipe:N, pty:N, other or none", quote(text));
            }
            return s.get();
        }

        void expectEnd() throws StateFile.Invalid {
            if (index != lines.length - 1 || !lines[index].isEmpty()) {
                if (index < lines.length - 1) {
                    index++;
                    throw error("nothing after the end line", quote(lines[index - 1]));
                }
                throw error("a newline at the end of the file", "none");
            }
        }
    }
}
