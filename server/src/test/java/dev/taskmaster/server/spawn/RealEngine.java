package dev.taskmaster.server.spawn;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineThread;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real engine with the real OS launcher, inside the test JVM: real children, real exits.
 * {@link #close()} shuts everything down so no child outlives the test.
 */
final class RealEngine implements AutoCloseable {

    static final Duration LIMIT = Duration.ofSeconds(20);

    final Path dir;
    final ChildWatcher watcher;
    final OutputPump pump;
    final EngineThread thread = new EngineThread();
    final EventJournal journal = new EventJournal(100_000);
    final OsProcessLauncher launcher;
    final Engine engine;
    /** What the programs leave behind, when this engine looks after it (the test JVM is then a subreaper). */
    final Descendants descendants;

    RealEngine(Path dir, String yaml) throws Exception {
        this(dir, yaml, false);
    }

    /** @param subreaper whether the test JVM becomes a child subreaper looking after descendants, as the daemon */
    RealEngine(Path dir, String yaml, boolean subreaper) throws Exception {
        this.dir = dir;
        watcher = new ChildWatcher();
        pump = new OutputPump();
        descendants = subreaper ? new Descendants(watcher) : null;
        Config config = config(dir, yaml);
        Outputs outputs = new Outputs(dir.resolve("logs"));
        launcher = new OsProcessLauncher(watcher, pump, System.getenv(), outputs, DescriptorBudget.ofProcess(),
                java.util.OptionalLong.empty(), descendants);
        engine = new Engine(config, launcher, thread, EngineClock.SYSTEM, journal);
        engine.startAutostart().get(10, TimeUnit.SECONDS);
    }

    static Config config(Path dir, String yaml) throws Exception {
        Path f = Files.writeString(Files.createTempFile(dir, "cfg", ".yaml"), yaml);
        return ConfigLoader.load(f, Map.of("TMP", dir.toString()));
    }

    ProcessSnapshot await(String name, Predicate<ProcessState> until) throws Exception {
        return engine.awaitState(name, until).get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    ProcessSnapshot await(String name, ProcessState state) throws Exception {
        return await(name, s -> s == state);
    }

    ProcessSnapshot snapshot(String name) throws Exception {
        return engine.snapshot().get(10, TimeUnit.SECONDS).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow();
    }

    /** Polls a condition on the snapshots until it holds. */
    void until(String what, Predicate<List<ProcessSnapshot>> condition) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.test(engine.snapshot().get(10, TimeUnit.SECONDS))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ": " + engine.snapshot().get());
            }
            Thread.sleep(10);
        }
    }

    String read(String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }

    @Override
    public void close() throws Exception {
        engine.shutdown("test over").get(30, TimeUnit.SECONDS);
        if (descendants != null) {
            // As the daemon does after its shutdown: what the programs left goes by their kill mode.
            descendants.finish(Duration.ofSeconds(5));
            descendants.close();
        }
        thread.close();
        watcher.close();
        pump.close();
        // The log files of every instance, as the daemon closes them at exit: else they stay
        // open until the garbage collector finds them, in the middle of a later test.
        launcher.outputs().close();
    }
}
