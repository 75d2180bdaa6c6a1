package dev.taskmaster.cli;

import java.util.Comparator;
import java.util.List;

/** "Did you mean": the words nearest a mistyped one by edit distance (with transpositions). Stateless. */
final class Suggest {

    private Suggest() {}

    /**
     * At most {@code limit} of {@code words}, nearest first, no farther than a third of the typed
     * word's length (at least 1, at most 3 edits): {@code strat} → start, {@code stauts} → status.
     */
    static List<String> closest(String typed, List<String> words, int limit) {
        int most = Math.min(3, Math.max(1, typed.length() / 3));
        return words.stream().filter(w -> distance(typed, w) <= most)
                .sorted(Comparator.comparingInt((String w) -> distance(typed, w)).thenComparing(Comparator.naturalOrder()))
                .limit(limit).toList();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
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
