package dev.taskmaster.server.engine;

import dev.taskmaster.server.engine.deps.StartPlan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The order of {@code priority} and {@code depends_on} ({@link StartPlan}): starts go lowest value
 * first, each program after those it depends on; stops go through the same groups in reverse,
 * highest value first and each dependent before what it depends on, all processes of one group in
 * parallel, each group only once the one before is down (supervisord's shutdown order when nothing
 * depends on anything). One stop path for shutdown, a reload's removals and a stop of many
 * processes. Engine thread only.
 */
final class PriorityOrder {

    /**
     * A stop under way.
     *
     * @param results what the stop did or will do to each process, lowest priority value first,
     *                known at once: the first priority is told at once, the others are told later
     * @param down    completes (on the engine thread) once every process of every priority is down
     */
    record Stop(List<CommandResult> results, CompletableFuture<Void> down) {
    }

    private PriorityOrder() {
    }

    /** The processes by priority value, lowest first, each group in the given order. */
    static TreeMap<Integer, List<Supervisor>> groups(Collection<Supervisor> targets) {
        TreeMap<Integer, List<Supervisor>> groups = new TreeMap<>();
        targets.stream().sorted(Comparator.comparingInt(PriorityOrder::priority))
                .forEach(s -> groups.computeIfAbsent(priority(s), k -> new ArrayList<>()).add(s));
        return groups;
    }

    /**
     * For a stop asked for by a person: as {@link #stopAll}, but a process started by command
     * while it waited for its turn is left running, as if its stop had come first.
     */
    static Stop stopAsked(EngineContext ctx, Collection<Supervisor> targets, String by) {
        return stop(ctx, targets, true, by);
    }

    /**
     * For shutdown and reload: every target ends down, whatever was asked meanwhile. The first
     * priority is told before this returns.
     */
    static Stop stopAll(EngineContext ctx, Collection<Supervisor> targets, String by) {
        return stop(ctx, targets, false, by);
    }

    /** @param by the API caller who asked, for the events; empty when the daemon itself did */
    private static Stop stop(EngineContext ctx, Collection<Supervisor> targets, boolean startsWin, String by) {
        List<StartPlan.Group<Supervisor>> plan = plan(targets);
        Map<Supervisor, CommandResult> results = new IdentityHashMap<>();
        CompletableFuture<Void> down = CompletableFuture.completedFuture(null);
        Integer before = null;
        boolean dependents = false;
        for (StartPlan.Group<Supervisor> g : plan.reversed()) {
            List<Supervisor> group = g.members();
            if (before == null) {
                group.forEach(s -> results.put(s, s.stop(by)));
                down = allDown(group);
            } else {
                String after = dependents && before == g.priority() ? "stopping once its dependents are down"
                        : "stopping once priority " + before + " is down";
                Map<Supervisor, Long> marks = new IdentityHashMap<>();
                for (Supervisor s : group) {
                    results.put(s, s.stopLater(after));
                    marks.put(s, s.starts());
                }
                down = down.thenCompose(v -> onEngine(ctx, () -> {
                    List<Supervisor> still = group.stream().filter(s -> !startsWin || s.starts() == marks.get(s)).toList();
                    still.forEach(s -> s.stop(by));
                    return allDown(still);
                }));
            }
            // A priority with nothing to wait for holds nothing up.
            if (group.stream().anyMatch(s -> !s.state().isDown() || s.launching())) {
                before = g.priority();
                dependents = g.afterDependency();
            }
        }
        List<CommandResult> ordered = new ArrayList<>();
        plan.forEach(group -> group.members().forEach(s -> ordered.add(results.get(s))));
        return new Stop(ordered, down);
    }

    /** The start plan of {@code targets}: priority and dependencies, stopped in reverse. */
    static List<StartPlan.Group<Supervisor>> plan(Collection<Supervisor> targets) {
        return StartPlan.groups(targets, s -> s.spec().program());
    }

    private static CompletableFuture<Void> allDown(List<Supervisor> group) {
        return CompletableFuture.allOf(group.stream().map(s -> s.when(ProcessState::isDown)).toArray(CompletableFuture[]::new));
    }

    /** Runs {@code step} as an engine task of its own, so it never runs inside another supervisor's transition. */
    private static CompletableFuture<Void> onEngine(EngineContext ctx, Supplier<CompletableFuture<Void>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            try {
                step.get().whenComplete((r, e) -> done.complete(null));
            } catch (RuntimeException e) {
                // Logged and passed over: the priorities after this one must still be stopped.
                ctx.log().error("stopping by priority failed", e);
                done.complete(null);
            }
        });
        return done;
    }

    private static int priority(Supervisor s) {
        return s.spec().program().priority();
    }
}
