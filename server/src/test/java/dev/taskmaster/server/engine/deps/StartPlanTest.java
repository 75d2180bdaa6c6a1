package dev.taskmaster.server.engine.deps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.ProgramSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start plan: priority groups as before when nothing depends on anything, dependencies first otherwise. */
class StartPlanTest {

    @TempDir
    Path tmp;

    private Config config(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(tmp.resolve("t.yaml"), yaml), Map.of());
    }

    /** Each group as "priority:[names]" (with "+dep" when it stands apart only for a dependency). */
    private List<String> plan(String yaml) throws Exception {
        return StartPlan.groups(config(yaml).instances(), InstanceSpec::program).stream()
                .map(g -> g.priority() + ":" + g.members().stream().map(InstanceSpec::name).toList() + (g.afterDependency() ? "+dep" : ""))
                .toList();
    }

    @Test
    void withoutDependenciesItIsThePriorityGroupsInConfigurationOrder() throws Exception {
        assertThat(plan("""
                programs:
                  c: {cmd: x, priority: 20}
                  a: {cmd: x, priority: 10, numprocs: 2}
                  b: {cmd: x, priority: 10}
                """)).containsExactly("10:[a:0, a:1, b]", "20:[c]");
    }

    @Test
    void aProgramComesAfterWhatItDependsOnWhateverThePriorities() throws Exception {
        assertThat(plan("""
                programs:
                  web: {cmd: x, priority: 1, depends_on: [api]}
                  api: {cmd: x, priority: 500, depends_on: [db]}
                  db: {cmd: x, priority: 999}
                  cron: {cmd: x, priority: 999}
                """)).containsExactly("999:[db]", "500:[api]", "1:[web]", "999:[cron]"); // priority orders the rest: web (1) before cron
    }

    @Test
    void theSamePriorityIsSplitOnlyWhereADependencyIs() throws Exception {
        assertThat(plan("""
                programs:
                  web: {cmd: x, depends_on: [db]}
                  db: {cmd: x, numprocs: 2}
                  cache: {cmd: x}
                """)).containsExactly("999:[db:0, db:1, cache]", "999:[web]+dep");
    }

    @Test
    void whatAStartStartsTooIsEveryProgramDependedOnThroughOthers() throws Exception {
        Config c = config("""
                programs:
                  web: {cmd: x, depends_on: {api: running}}
                  api: {cmd: x, depends_on: [db, migrate]}
                  db: {cmd: x}
                  migrate: {cmd: x}
                  other: {cmd: x}
                """);
        java.util.function.Function<String, Optional<ProgramSpec>> lookup = c::program;
        assertThat(StartPlan.dependenciesOf(List.of("web"), lookup)).containsExactlyInAnyOrder("api", "db", "migrate");
        assertThat(StartPlan.dependenciesOf(List.of("api", "db"), lookup)).containsExactly("migrate");
        assertThat(StartPlan.dependenciesOf(List.of("other"), lookup)).isEmpty();
    }
}
