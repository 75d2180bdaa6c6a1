package dev.taskmaster.server.engine.deps;

import dev.taskmaster.config.Dependency;
import dev.taskmaster.config.ProgramSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a program's dependencies are met, from the instances of the programs it depends on as
 * they are now. Confined to the engine thread, as the states it reads.
 */
public final class DependencyWaits {

    private final Function<String, List<Observed>> instancesOf;

    /** @param instancesOf a program's name → its instances now (empty for a name not configured) */
    public DependencyWaits(Function<String, List<Observed>> instancesOf) {
        this.instancesOf = instancesOf;
    }

    /** Each dependency of {@code program} and whether it is met, in the order written. */
    public List<DependencyState> states(ProgramSpec program) {
        List<DependencyState> out = new ArrayList<>(program.dependsOn().size());
        for (Dependency d : program.dependsOn()) {
            out.add(new DependencyState(d.program(), d.condition(), Conditions.met(d.condition(), instancesOf.apply(d.program()))));
        }
        return out;
    }

    /**
     * What a start of {@code program} waits for, every unmet dependency in the order written
     * ({@code waiting for db to be healthy; waiting for migrate to complete successfully});
     * empty when it may start now.
     */
    public Optional<String> waitingFor(ProgramSpec program) {
        List<String> unmet = new ArrayList<>();
        for (Dependency d : program.dependsOn()) {
            List<Observed> instances = instancesOf.apply(d.program());
            if (!Conditions.met(d.condition(), instances)) {
                unmet.add(Conditions.waiting(d, instances));
            }
        }
        return unmet.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", unmet));
    }
}
