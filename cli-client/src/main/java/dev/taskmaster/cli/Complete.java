package dev.taskmaster.cli;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.TargetResolver;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jline.reader.Candidate;

/**
 * {@code taskmasterctl __complete WORD... CURRENT}: what the bash, zsh and fish scripts of
 * {@link CompletionCommand} call on each Tab. The words after the command name up to the cursor
 * go in, the last one being the word under the cursor (empty for a new word); out come the
 * candidates that start with it, one per line, {@code VALUE<TAB>DESCRIPTION} when there is a
 * description, and a last line {@code :files} when file names fit there too.
 *
 * <p>It answers from the same {@link ShellCompleter} as the interactive shell, so the two never
 * disagree. Names come from the daemon the words point at ({@code -i}, {@code --socket},
 * {@code --server}, {@code --context} as typed, else the default) with a short deadline; no
 * daemon means no names, at once and without a word on stderr: a Tab must never print an error
 * into the user's command line. Exit code 0 always. Hidden: not a verb, not in help.
 */
final class Complete {

    static final String VERB = "__complete";

    /** A Tab waits for the daemon at most this long, unless TASKMASTER_COMPLETION_TIMEOUT says otherwise (e.g. 5s). */
    static final Duration DEADLINE = Duration.ofSeconds(3);

    /** Global options whose value the words may carry, by every name they have. */
    private static final Map<String, String> VALUED = Map.of("-i", "--instance", "--instance", "--instance", "--socket", "--socket",
            "--server", "--server", "--context", "--context", "--ca", "--ca", "--cert", "--cert", "--key", "--key",
            "--token-file", "--token-file");

    private Complete() {}

    /** @param words the words after {@code taskmasterctl}, the last one under the cursor */
    static int run(Session session, List<String> words) {
        List<String> line = words.isEmpty() ? List.of("") : words;
        Map<String, String> globals = globals(line.subList(0, line.size() - 1));
        PrintWriter out = session.out();
        try {
            ShellCompleter completer = new ShellCompleter(TaskmasterCtl.commandLine(session),
                    () -> processes(session, globals), () -> ContextCommand.names(session)).forCommandLine();
            String current = line.getLast();
            ShellCompleter.Completion c = completer.complete(line, line.size() - 1);
            Set<String> seen = new LinkedHashSet<>();
            for (Candidate candidate : c.candidates()) {
                // Signal names in any case, as the daemon takes them; every other name as it is.
                boolean fits = candidate.group().equals("signals")
                        ? candidate.value().regionMatches(true, 0, current, 0, current.length())
                        : candidate.value().startsWith(current);
                if (fits && seen.add(candidate.value())) {
                    String description = candidate.descr();
                    out.println(description == null || description.isBlank() ? candidate.value()
                            : candidate.value() + "\t" + description.replace('\t', ' ').replace('\n', ' '));
                }
            }
            if (c.files()) {
                out.println(":files");
            }
        } catch (RuntimeException e) {
            // Nothing to offer rather than noise in the user's command line.
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The daemon-selecting options among the words before the cursor ({@code --opt VALUE} or {@code --opt=VALUE}). */
    static Map<String, String> globals(List<String> before) {
        Map<String, String> found = new HashMap<>();
        for (int i = 0; i < before.size(); i++) {
            String w = before.get(i);
            if (w.equals("--")) {
                break;
            }
            int eq = w.indexOf('=');
            String name = VALUED.get(eq > 0 ? w.substring(0, eq) : w);
            if (name != null && eq > 0) {
                found.put(name, w.substring(eq + 1));
            } else if (name != null && i + 1 < before.size()) {
                found.put(name, before.get(++i));
            } else if (w.equals("--plaintext")) {
                found.put(w, "true");
            }
        }
        return found;
    }

    /** The processes of the daemon the words name; none, quietly, when it cannot be asked at once. */
    private static List<ProcessInfo> processes(Session session, Map<String, String> g) {
        try {
            TargetResolver.Flags flags = new TargetResolver.Flags(g.get("--server"), path(g, "--socket"), g.get("--instance"),
                    g.get("--context"), new ClientSecurity(path(g, "--ca"), path(g, "--cert"), path(g, "--key"),
                            path(g, "--token-file"), "true".equals(g.get("--plaintext"))));
            Session.Endpoint where = session.endpoint(flags);
            if (where.socket() != null && !Files.exists(where.socket())) {
                return List.of(); // no daemon: not even a connection attempt
            }
            return session.connect(where).blockingStub(deadline(session)).listProcesses(ListProcessesRequest.newBuilder().setOmitUsage(true).build())
                    .getProcessesList();
        } catch (RuntimeException unreachable) {
            return List.of();
        }
    }

    /** {@link #DEADLINE}, or TASKMASTER_COMPLETION_TIMEOUT when it is a valid duration. */
    static Duration deadline(Session session) {
        String v = session.environment("TASKMASTER_COMPLETION_TIMEOUT");
        if (v != null) {
            try {
                Duration d = new DurationConverter().convert(v);
                if (d.isPositive()) {
                    return d;
                }
            } catch (Exception malformed) {
                // the default, silently: a Tab prints nothing but candidates
            }
        }
        return DEADLINE;
    }

    private static Path path(Map<String, String> g, String option) {
        String v = g.get(option);
        return v == null ? null : Path.of(v);
    }

    /** Lower case when the word typed so far has a lower-case letter and no upper-case one. */
    static boolean typedLowerCase(String word) {
        return !word.equals(word.toUpperCase(Locale.ROOT)) && word.equals(word.toLowerCase(Locale.ROOT));
    }
}
