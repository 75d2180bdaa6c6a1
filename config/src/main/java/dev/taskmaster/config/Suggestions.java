package dev.taskmaster.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** "Did you mean" for misspelt keys and names. Stateless; used by the config loader and the daemon's API. */
public final class Suggestions {

    /** supervisord's names for our keys, so that people moving from it are pointed the right way. */
    private static final Map<String, String> SUPERVISORD_NAMES = Map.ofEntries(
            Map.entry("command", "cmd"), Map.entry("directory", "workingdir"),
            Map.entry("environment", "env"), Map.entry("startsecs", "starttime"),
            Map.entry("stopwaitsecs", "stoptime"), Map.entry("stdout_logfile", "stdout"),
            Map.entry("stderr_logfile", "stderr"), Map.entry("stdout_logfile_maxbytes", "logfile_maxbytes"),
            Map.entry("stdout_logfile_backups", "logfile_backups"), Map.entry("childlogdir", "logdir"),
            Map.entry("stderr_logfile_maxbytes", "logfile_maxbytes"), Map.entry("stderr_logfile_backups", "logfile_backups"),
            Map.entry("logfile", "stdout"),
            Map.entry("working_dir", "workingdir"), Map.entry("workdir", "workingdir"),
            Map.entry("cwd", "workingdir"), Map.entry("environ", "env"));

    /** The most edits a typo may have; a word that differs in length by more is another word. */
    private static final int MAX_EDITS = 3;

    private Suggestions() {
    }

    /** The closest of {@code candidates} to {@code word}, if it is close enough to be a likely typo. */
    public static Optional<String> closest(String word, Collection<String> candidates) {
        String lower = word.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (Math.abs(candidate.length() - lower.length()) > MAX_EDITS) {
                continue; // too far apart to be a typo; and a key of megabytes must not cost megabytes of table
            }
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        // A misspelt supervisord name ("comand") is as likely as a misspelt one of ours.
        for (Map.Entry<String, String> e : SUPERVISORD_NAMES.entrySet()) {
            if (Math.abs(e.getKey().length() - lower.length()) > MAX_EDITS) {
                continue;
            }
            int d = distance(lower, e.getKey());
            if (candidates.contains(e.getValue()) && d < bestDistance) {
                best = e.getValue();
                bestDistance = d;
            }
        }
        // One edit in three characters is a typo; more is a different word.
        int allowed = Math.max(1, Math.min(MAX_EDITS, word.length() / 3));
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** {@code ; did you mean "x"?} or nothing. */
    static String hint(String word, Collection<String> candidates) {
        return closest(word, candidates).map(c -> "; did you mean \"" + c + "\"?").orElse("");
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
