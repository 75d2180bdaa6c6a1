package dev.taskmaster.server.engine.deps;

import dev.taskmaster.config.Dependency;
import dev.taskmaster.config.ProgramSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The order processes start in, as one plan of {@code priority} and {@code depends_on}: a
 * program comes after every program it depends on (among those being started), and otherwise
 * lower priority values first, then configuration order. The plan is a list of groups, each
 * started together; stops go through the groups in reverse, so a dependent stops before what it
 * depends on and priority orders the rest (supervisord's order when nothing depends on
 * anything). Stateless; a plan is made on the engine thread and used there.
 */
public final class StartPlan {

    /**
     * Processes started together.
     *
     * @param priority       the priority of all of them
     * @param members        the processes, in the order given
     * @param afterDependency the group is apart from the one before only because it depends on it
     *                        (the same priority): its stop waits for its dependents, not for a priority
     */
    public record Group<T>(int priority, List<T> members, boolean afterDependency) {
    }

    private StartPlan() {
    }

    /** {@code targets} (processes, in configuration order) in groups; {@code programOf} names the program of each. */
    public static <T> List<Group<T>> groups(Collection<T> targets, Function<T, ProgramSpec> programOf) {
        Map<String, ProgramSpec> programs = new LinkedHashMap<>();
        Map<String, List<T>> members = new HashMap<>();
        for (T t : targets) {
            ProgramSpec p = programOf.apply(t);
            programs.putIfAbsent(p.name(), p);
            members.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(t);
        }
        List<Group<T>> out = new ArrayList<>();
        Set<String> current = new HashSet<>();
        List<T> group = new ArrayList<>();
        Integer priority = null;
        boolean afterDependency = false;
        for (ProgramSpec p : order(programs)) {
            boolean dependsOnCurrent = p.dependsOn().stream().anyMatch(d -> current.contains(d.program()));
            if (priority != null && (priority != p.priority() || dependsOnCurrent)) {
                out.add(new Group<>(priority, List.copyOf(group), afterDependency));
                afterDependency = priority == p.priority();
                group = new ArrayList<>();
                current.clear();
            }
            priority = p.priority();
            current.add(p.name());
            group.addAll(members.get(p.name()));
        }
        if (priority != null) {
            out.add(new Group<>(priority, List.copyOf(group), afterDependency));
        }
        return out;
    }

    /**
     * The programs, each after those it depends on, else by priority, then by how deep in the
     * dependencies they are (so that a dependent does not cut in before an independent program
     * of its priority, splitting its group), then the order given (Kahn's algorithm, picking the
     * first of the ready by that key). A cycle, which the configuration rejects, would leave its
     * programs to the end, by priority.
     */
    private static List<ProgramSpec> order(Map<String, ProgramSpec> programs) {
        List<ProgramSpec> given = List.copyOf(programs.values());
        Map<String, Integer> waitingOn = new HashMap<>();
        Map<String, List<ProgramSpec>> dependents = new HashMap<>();
        for (ProgramSpec p : given) {
            int n = 0;
            for (Dependency d : p.dependsOn()) {
                if (programs.containsKey(d.program())) {
                    n++;
                    dependents.computeIfAbsent(d.program(), k -> new ArrayList<>()).add(p);
                }
            }
            waitingOn.put(p.name(), n);
        }
        Map<String, Integer> depth = new HashMap<>();
        given.forEach(p -> depth(p, programs, depth, new HashSet<>()));
        List<ProgramSpec> out = new ArrayList<>(given.size());
        Set<String> done = new HashSet<>();
        while (out.size() < given.size()) {
            ProgramSpec next = null;
            for (ProgramSpec p : given) {
                if (!done.contains(p.name()) && waitingOn.get(p.name()) == 0 && (next == null || p.priority() < next.priority()
                        || p.priority() == next.priority() && depth.get(p.name()) < depth.get(next.name()))) {
                    next = p;
                }
            }
            if (next == null) { // a cycle: not reachable with a validated configuration
                given.stream().filter(p -> !done.contains(p.name())).sorted(java.util.Comparator.comparingInt(ProgramSpec::priority))
                        .forEach(out::add);
                break;
            }
            out.add(next);
            done.add(next.name());
            for (ProgramSpec d : dependents.getOrDefault(next.name(), List.of())) {
                waitingOn.merge(d.name(), -1, Integer::sum);
            }
        }
        return out;
    }

    /** The longest chain of dependencies below {@code p} among {@code programs}; {@code path} stops a cycle. */
    private static int depth(ProgramSpec p, Map<String, ProgramSpec> programs, Map<String, Integer> memo, Set<String> path) {
        Integer known = memo.get(p.name());
        if (known != null) {
            return known;
        }
        int d = 0;
        if (path.add(p.name())) {
            for (Dependency dep : p.dependsOn()) {
                ProgramSpec q = programs.get(dep.program());
                if (q != null && !path.contains(q.name())) {
                    d = Math.max(d, depth(q, programs, memo, path) + 1);
                }
            }
            path.remove(p.name());
        }
        memo.put(p.name(), d);
        return d;
    }

    /**
     * The programs {@code names} depend on, directly or through others, that are not among
     * {@code names}: what a start by command starts too, as docker compose does.
     */
    public static Set<String> dependenciesOf(Collection<String> names, Function<String, Optional<ProgramSpec>> program) {
        Set<String> seen = new HashSet<>(names);
        Set<String> out = new java.util.LinkedHashSet<>();
        List<String> todo = new ArrayList<>(names);
        while (!todo.isEmpty()) {
            String n = todo.removeLast();
            for (Dependency d : program.apply(n).map(ProgramSpec::dependsOn).orElse(List.of())) {
                if (seen.add(d.program())) {
                    out.add(d.program());
                    todo.add(d.program());
                }
            }
        }
        return out;
    }
}
