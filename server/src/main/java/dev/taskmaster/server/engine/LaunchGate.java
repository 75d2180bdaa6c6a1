package dev.taskmaster.server.engine;

import dev.taskmaster.config.InstanceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;

/**
 * The engine's launcher, with a gate on hand-offs: while it is held ({@link Engine#runAlone}:
 * a re-exec replacing the daemon's program), launches handed off wait here instead of being
 * made, so that no process is spawned that the engine could not take into its hand-over; they
 * are handed on when it opens. Everything else goes straight to the real launcher.
 * Threading: {@link #hold}, {@link #open} and {@link #launchInBackground} on the engine thread only.
 */
final class LaunchGate implements ProcessLauncher {

    private record Waiting(List<Request> requests, ObjIntConsumer<Result> done) {
    }

    private final ProcessLauncher launcher;
    private boolean held;
    private final List<Waiting> waiting = new ArrayList<>();

    LaunchGate(ProcessLauncher launcher) {
        this.launcher = launcher;
    }

    void hold() {
        held = true;
    }

    /** Opens the gate and hands on what waited, in order. */
    void open() {
        held = false;
        List<Waiting> now = List.copyOf(waiting);
        waiting.clear();
        now.forEach(w -> launcher.launchInBackground(w.requests(), w.done()));
    }

    @Override
    public void launchInBackground(List<Request> requests, ObjIntConsumer<Result> done) {
        if (held) {
            waiting.add(new Waiting(requests, done));
        } else {
            launcher.launchInBackground(requests, done);
        }
    }

    @Override
    public LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException {
        return launcher.launch(instance, onExit);
    }

    @Override
    public void reportLogWritingTo(LogWritingJournal journal) {
        launcher.reportLogWritingTo(journal);
    }

    @Override
    public int leftovers(String instance) {
        return launcher.leftovers(instance);
    }

    @Override
    public LaunchedProcess adopt(InstanceSpec instance, int pid, long startTicks, Consumer<ExitOutcome> onExit)
            throws SpawnException {
        return launcher.adopt(instance, pid, startTicks, onExit);
    }

    @Override
    public LaunchedProcess resume(InstanceSpec instance, dev.taskmaster.server.recovery.Survivor survivor,
            Consumer<ExitOutcome> onExit) throws SpawnException {
        return launcher.resume(instance, survivor, onExit);
    }
}
