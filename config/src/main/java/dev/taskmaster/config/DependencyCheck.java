package dev.taskmaster.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the {@code depends_on} of a set of programs must satisfy together: every name is a
 * program of the set, {@code healthy} is waited for only of a program with a health check, and
 * no program waits, through others, for itself. Used by the loader (problems located at the
 * entry) and by the daemon for programs added or changed through the API. Stateless.
 */
public final class DependencyCheck {

    /**
     * One problem.
     *
     * @param program    the program whose {@code depends_on} is wrong
     * @param dependency the entry of its {@code depends_on} to point at
     * @param message    what is wrong, and what to do
     */
    public record Problem(String program, String dependency, String message) {

        /** {@code programs.web.depends_on.db}, the key path of the entry. */
        public String keyPath() {
            return "programs." + program + ".depends_on." + dependency;
        }
    }

    private DependencyCheck() {
    }

    /** The problems of {@code programs}' dependencies, in the programs' order; empty when none. */
    public static List<Problem> problems(List<ProgramSpec> programs) {
        Map<String, ProgramSpec> byName = new LinkedHashMap<>();
        programs.forEach(p -> byName.put(p.name(), p));
        List<Problem> out = new ArrayList<>();
        for (ProgramSpec p : programs) {
            for (Dependency d : p.dependsOn()) {
                ProgramSpec target = byName.get(d.program());
                if (target == null) {
                    out.add(new Problem(p.name(), d.program(), "unknown program \"" + d.program() + "\"; expected the name of"
                            + " a program of this configuration" + Suggestions.hint(d.program(), byName.keySet())));
                } else if (d.condition() == DependencyCondition.HEALTHY && target.healthCheck().isEmpty()) {
                    out.add(new Problem(p.name(), d.program(), "\"" + d.program() + "\" has no health_check, so it can never"
                            + " be healthy; give it one, or wait for it to be running"));
                }
            }
        }
        out.addAll(cycles(byName));
        return List.copyOf(out);
    }

    /** Each cycle once, reported at the entry of the first program (in configuration order) on it that closes it. */
    private static List<Problem> cycles(Map<String, ProgramSpec> byName) {
        List<Problem> out = new ArrayList<>();
        Map<String, Integer> color = new HashMap<>(); // absent: not seen; 1: on the path; 2: done
        Set<Set<String>> reported = new HashSet<>();
        for (String start : byName.keySet()) {
            if (!color.containsKey(start)) {
                visit(start, byName, color, new ArrayList<>(), reported, out);
            }
        }
        return out;
    }

    private static void visit(String name, Map<String, ProgramSpec> byName, Map<String, Integer> color, List<String> path,
            Set<Set<String>> reported, List<Problem> out) {
        color.put(name, 1);
        path.add(name);
        for (Dependency d : byName.get(name).dependsOn()) {
            if (!byName.containsKey(d.program())) {
                continue; // reported as unknown
            }
            Integer c = color.get(d.program());
            if (c == null) {
                visit(d.program(), byName, color, path, reported, out);
            } else if (c == 1) {
                List<String> cycle = new ArrayList<>(path.subList(path.indexOf(d.program()), path.size()));
                if (reported.add(new TreeSet<>(cycle))) {
                    cycle.add(d.program());
                    out.add(new Problem(name, d.program(), "dependency cycle " + String.join(" -> ", cycle)
                            + "; none of them could ever start: remove one of these depends_on entries"));
                }
            }
        }
        path.removeLast();
        color.put(name, 2);
    }
}
