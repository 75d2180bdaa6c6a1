package dev.taskmaster.server.engine;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** An engine on a manual clock and a fake launcher, built from YAML, for tests. */
final class EngineHarness {

    final ManualScheduler clock = new ManualScheduler();
    final FakeLauncher launcher = new FakeLauncher(clock);
    final FakeProber prober = new FakeProber(clock);
    final EventJournal journal = new EventJournal(10_000);
    final Path dir;
    Engine engine;

    EngineHarness(Path dir) {
        this.dir = dir;
    }

    static Config config(Path dir, String yaml) {
        try {
            Path f = Files.writeString(Files.createTempFile(dir, "cfg", ".yaml"), yaml);
            return ConfigLoader.load(f, Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    EngineHarness start(String yaml) {
        engine = new Engine(config(dir, yaml), launcher, clock, clock, journal, prober);
        clock.await(engine.startAutostart());
        return this;
    }

    ProcessSnapshot state(String name) {
        return clock.await(engine.snapshot()).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no process " + name));
    }

    ProcessState stateOf(String name) {
        return state(name).state();
    }

    /** The health changes of one process, as "FROM>TO". */
    List<String> healthChanges(String name) {
        return journal.since(0).stream().filter(e -> e instanceof EngineEvent.HealthChanged c && c.process().equals(name))
                .map(e -> (EngineEvent.HealthChanged) e).map(c -> c.from() + ">" + c.to()).toList();
    }

    /** The transitions of one process, as "FROM>TO". */
    List<String> transitions(String name) {
        return journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c && c.process().equals(name))
                .map(e -> (EngineEvent.StateChanged) e).map(c -> c.from() + ">" + c.to()).toList();
    }
}
