package dev.taskmaster.server.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A start of many processes, one priority at a time, lowest first ({@link PriorityOrder#plan}):
 * the launches of one priority are handed off together ({@link Launches}), and the next
 * priority begins once every result of this one was applied, as an engine task, so that the
 * engine answers RPCs throughout a mass start. A process of a later priority that was stopped,
 * removed by a reload, or caught by a shutdown before its turn is not started. Engine thread only.
 */
final class PriorityStart {

    /** What the engine tells a start about its processes. */
    interface Host {
        /** Whether {@code s} is still the engine's to start: in the configuration, and no shutdown under way. */
        boolean stillWanted(Supervisor s);

        /** {@code s} waits, SCHEDULED, for its dependencies; the engine starts it once they are met. */
        void waitForDependencies(Supervisor s);
    }

    private final EngineContext ctx;
    private final Host host;
    private final List<List<Supervisor>> groups;
    private final Function<Supervisor, String> why;
    private final String by;
    /** Each target's stop count when the start was asked: one that moved by its turn was stopped meanwhile. */
    private final Map<Supervisor, Long> stopsAtRequest = new IdentityHashMap<>();
    private final List<CommandResult> answers = new ArrayList<>();
    private final CompletableFuture<List<CommandResult>> done = new CompletableFuture<>();

    private PriorityStart(EngineContext ctx, Host host, Collection<Supervisor> targets, Function<Supervisor, String> why,
            String by) {
        this.ctx = ctx;
        this.host = host;
        this.groups = PriorityOrder.plan(targets).stream().map(g -> g.members()).toList();
        this.why = why;
        this.by = by;
        targets.forEach(s -> stopsAtRequest.put(s, s.stops()));
    }

    /**
     * Starts {@code targets} by priority; the first priority is acted on before this returns.
     * Completes (on the engine thread) with one answer per target, in plan order, once every
     * launch was made or refused.
     */
    static CompletableFuture<List<CommandResult>> start(EngineContext ctx, Host host, Collection<Supervisor> targets,
            Function<Supervisor, String> why, String by) {
        PriorityStart start = new PriorityStart(ctx, host, targets, why, by);
        start.group(0);
        return start.done;
    }

    private void group(int k) {
        if (k == groups.size()) {
            done.complete(List.copyOf(answers));
            return;
        }
        List<Supervisor> group = groups.get(k);
        // Each answer goes in its target's place: refusals now, launches once their results are in.
        CommandResult[] mine = new CommandResult[group.size()];
        List<Integer> launching = new ArrayList<>();
        List<Supervisor.PendingStart> pending = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            Supervisor s = group.get(i);
            if (k > 0 && (!host.stillWanted(s) || s.stops() != stopsAtRequest.get(s))) {
                mine[i] = CommandResult.refused(s.name(), "not started: stopped, removed or shut down before its priority's turn");
                continue;
            }
            Optional<CommandResult> refused = s.beginStart(by);
            Optional<String> unmet = refused.isPresent() ? Optional.empty() : ctx.deps().waitingFor(s.spec().program());
            if (refused.isPresent()) {
                mine[i] = refused.get();
            } else if (unmet.isPresent()) {
                mine[i] = s.waitFor(unmet.get());
                host.waitForDependencies(s);
            } else {
                launching.add(i);
                pending.add(s.pendingStart(why.apply(s)));
            }
        }
        Launches.launch(ctx, pending).whenComplete((results, error) -> {
            for (int j = 0; j < launching.size(); j++) {
                mine[launching.get(j)] = results.get(j);
            }
            answers.addAll(List.of(mine));
            group(k + 1);
        });
    }
}
