package dev.taskmaster.server.run;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineThread;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.health.SystemProber;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.spawn.ChildWatcher;
import dev.taskmaster.server.spawn.Descendants;
import dev.taskmaster.server.spawn.OsProcessLauncher;
import dev.taskmaster.server.spawn.OutputPump;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code taskmasterd run}, from start to exit, on the main thread: the daemon's engine with
 * one program and the daemon's OS parts (child watcher, subreaper, health prober), a launcher
 * that hands the program taskmasterd's own stdin, stdout and stderr, and no API, socket,
 * pidfile, state file or log file: nothing on disk that a daemon of any instance could collide
 * with. The main thread waits for signals and for the program to be down for good.
 */
final class ForegroundRun {

    private static final Logger log = LoggerFactory.getLogger("dev.taskmaster.run");
    /** Beyond stoptime, how long a stop may take before what is left is killed. */
    private static final long STOP_MARGIN_SECONDS = 10;

    private ForegroundRun() {
    }

    /** Runs {@code program} (the only program of {@code config}) until it is down for good; returns the exit status. */
    static int run(Config config, RunProgram program, PrintWriter err) {
        BlockingQueue<RunEvent> events = new LinkedBlockingQueue<>();
        RunLog.configure(new FileOutputStream(FileDescriptor.err));
        // First, so that Ctrl-C during the start is a graceful stop, not a JVM death that orphans the program.
        RunSignals.install(events);
        ProgramSpec spec = config.programs().getFirst();
        String name = spec.instances().getFirst().name();
        try (ChildWatcher watcher = new ChildWatcher(); Descendants descendants = new Descendants(watcher);
                OutputPump pump = new OutputPump(); EngineThread engineThread = new EngineThread();
                SystemProber prober = new SystemProber(System.getenv())) {
            EventJournal journal = new EventJournal(1_000);
            // Never asked to open a file: every stream either passes through or goes to /dev/null.
            Outputs outputs = new Outputs(Path.of(System.getProperty("java.io.tmpdir")));
            OsProcessLauncher launcher = OsProcessLauncher.passingStdioThrough(watcher, pump, System.getenv(), outputs,
                    descendants);
            Engine engine = new Engine(config, launcher, engineThread, EngineClock.SYSTEM, journal, prober);
            journal.addListener(new RunReporter(engine, events::add));
            log.info("supervising {} (pid {}): {}", name, ProcessHandle.current().pid(), spec.cmd());
            engine.startAutostart();
            int[] stopSignal = {0};
            RunEvent.Over over = await(engine, spec, name, events, stopSignal);
            stopEverything(engine, spec, descendants);
            int code = over.gaveUp() ? RunExit.gaveUp(over.last()) : over.stopped() ? RunExit.stopped(over.last(), stopSignal[0] == 0 ? Signals.SIGTERM : stopSignal[0])
                    : over.last().map(r -> RunExit.of(r.outcome())).orElse(1);
            if (over.gaveUp()) {
                log.error("giving up on {}: {}; last run: {}", name, over.reason(),
                        over.last().map(r -> r.describe()).orElse("none"));
            }
            log.info("exiting with status {}", code);
            return code;
        } catch (NativeException e) {
            err.println("taskmasterd run: cannot start supervision: " + e.getMessage());
            err.flush();
            return RunExit.OWN_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RunExit.OWN_FAILURE;
        } finally {
            program.cleanUp();
            RunLog.close();
        }
    }

    /**
     * Waits until the program is down for good; a signal stops it (gracefully; a second one kills it).
     *
     * @param stopSignal gets the number of the signal that stopped the run, if one did
     */
    private static RunEvent.Over await(Engine engine, ProgramSpec spec, String name, BlockingQueue<RunEvent> events,
            int[] stopSignal) throws InterruptedException {
        while (true) {
            RunEvent event = events.take();
            switch (event) {
                case RunEvent.Over over -> {
                    return over;
                }
                case RunEvent.SignalReceived s when stopSignal[0] == 0 -> {
                    stopSignal[0] = s.number();
                    log.info("received {}: stopping {} with {} (SIGKILL after {}; send it again to kill it now)", s.name(),
                            name, spec.stopsignal().displayName(), seconds(spec.stoptime()));
                    engine.stop(List.of(name));
                }
                case RunEvent.SignalReceived s -> {
                    log.warn("received {} again: killing {} now", s.name(), name);
                    engine.signal(List.of(name), Signal.KILL, true);
                }
            }
        }
    }

    /**
     * Stops whatever still runs (nothing, normally: the program is down) and what its group and
     * session left behind, by its kill mode: nothing outlives taskmasterd run.
     */
    private static void stopEverything(Engine engine, ProgramSpec spec, Descendants descendants) {
        try {
            engine.shutdown("taskmasterd run is exiting").get(spec.stoptime().toSeconds() + STOP_MARGIN_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("the program did not stop in time; killing it");
            killGroup(engine);
        }
        descendants.finish(Duration.ofSeconds(5));
    }

    /** Last resort: SIGKILL to the program's group, so that it cannot outlive taskmasterd run. */
    private static void killGroup(Engine engine) {
        try {
            for (var s : engine.snapshot().get(5, TimeUnit.SECONDS)) {
                if (s.pid() > 0) {
                    Signals.killProcessGroup(s.pid(), Signals.SIGKILL);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | NativeException e) {
            log.error("cannot kill the program: {}", e.getMessage());
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }
}
