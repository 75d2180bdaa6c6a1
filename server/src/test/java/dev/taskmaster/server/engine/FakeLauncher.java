package dev.taskmaster.server.engine;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/** A launcher that spawns nothing: tests decide when each "process" exits and see the signals sent. */
final class FakeLauncher implements ProcessLauncher {

    /** One launched fake process. */
    final class Launch implements LaunchedProcess {
        final InstanceSpec spec;
        final int pid;
        final Duration at;
        final Consumer<ExitOutcome> onExit;
        final List<String> signals = new ArrayList<>();
        boolean exited;

        Launch(InstanceSpec spec, int pid, Consumer<ExitOutcome> onExit) {
            this.spec = spec;
            this.pid = pid;
            this.at = clock.elapsed();
            this.onExit = onExit;
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public void signal(Signal signal, boolean toGroup) {
            signals.add((toGroup ? "group:" : "") + signal.name() + "@" + clock.elapsed().toMillis());
            // As the kernel would have it: stopped, or about to be, from a SIGSTOP on; running from a SIGCONT on.
            if (signal.equals(Signal.STOP)) {
                kernelStopped = true;
            } else if (signal.equals(Signal.CONT)) {
                kernelStopped = false;
            }
        }

        /** Who hears the kernel's stop and continue reports; null until the engine asks. */
        java.util.function.Consumer<dev.taskmaster.server.engine.outside.OutsideChange> stops;
        /** What /proc would say: stopped (T, or a SIGSTOP pending) or not. */
        boolean kernelStopped;

        @Override
        public void onStopOrContinue(java.util.function.Consumer<dev.taskmaster.server.engine.outside.OutsideChange> listener) {
            stops = listener;
        }

        @Override
        public java.util.Optional<Boolean> stoppedNow() {
            return java.util.Optional.of(kernelStopped);
        }

        /** The kernel stops the process (by {@code signal}, anyone's) and reports it. */
        void kernelStops(int signal) {
            kernelStopped = true;
            stops.accept(dev.taskmaster.server.engine.outside.OutsideChange.stoppedBy(signal));
        }

        /** The kernel continues the process and reports it. */
        void kernelContinues() {
            kernelStopped = false;
            stops.accept(dev.taskmaster.server.engine.outside.OutsideChange.continued());
        }

        /** Reports the exit, as the OS watcher would (from "another thread": via the engine queue). */
        void exit(ExitOutcome outcome) {
            if (exited) {
                throw new AssertionError(spec.name() + " pid " + pid + " exited twice");
            }
            exited = true;
            onExit.accept(outcome);
        }
    }

    private final ManualScheduler clock;
    final List<Launch> launches = new ArrayList<>();
    private final Deque<String> failures = new ArrayDeque<>();
    private int nextPid = 1000;

    FakeLauncher(ManualScheduler clock) {
        this.clock = clock;
    }

    /** A launch handed off and not made yet, while {@link #hold} is on. */
    private record Held(Request request, int index, java.util.function.ObjIntConsumer<Result> done) {
    }

    /** While true, launches handed off wait in {@link #held} until {@link #release}: a launch in flight. */
    boolean hold;
    private final List<Held> held = new ArrayList<>();

    /** How many launches are held in flight. */
    int inFlight() {
        return held.size();
    }

    /** Makes every held launch now and reports each result, as the spawner threads would (through the engine queue). */
    void release() {
        List<Held> now = List.copyOf(held);
        held.clear();
        for (Held h : now) {
            h.done().accept(Result.of(this, h.request()), h.index());
        }
    }

    /**
     * As {@link #release}, but each process launched ends with {@code outcome} before its result is
     * reported: its exit reaches the engine first, as a program that exits at once may.
     */
    void releaseEndingFirst(ExitOutcome outcome) {
        List<Held> now = List.copyOf(held);
        held.clear();
        for (Held h : now) {
            Result r = Result.of(this, h.request());
            if (r.process() instanceof Launch l) {
                l.exit(outcome);
            }
            h.done().accept(r, h.index());
        }
    }

    @Override
    public void launchInBackground(List<Request> requests, java.util.function.ObjIntConsumer<Result> done) {
        if (!hold) {
            ProcessLauncher.super.launchInBackground(requests, done);
            return;
        }
        for (int i = 0; i < requests.size(); i++) {
            held.add(new Held(requests.get(i), i, done));
        }
    }

    /** The next {@code n} launches fail with {@code reason}. */
    void failNext(int n, String reason) {
        for (int i = 0; i < n; i++) {
            failures.add(reason);
        }
    }

    @Override
    public LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException {
        if (!failures.isEmpty()) {
            throw new SpawnException(failures.poll());
        }
        Launch l = new Launch(instance, nextPid++, onExit);
        launches.add(l);
        return l;
    }

    /** Resumes a survivor as a fake process with the survivor's pid; fails like a launch when told to. */
    @Override
    public LaunchedProcess resume(InstanceSpec instance, dev.taskmaster.server.recovery.Survivor survivor,
            Consumer<ExitOutcome> onExit) throws SpawnException {
        if (!failures.isEmpty()) {
            throw new SpawnException(failures.poll());
        }
        Launch l = new Launch(instance, survivor.pid(), onExit);
        launches.add(l);
        return l;
    }

    List<Launch> of(String name) {
        return launches.stream().filter(l -> l.spec.name().equals(name)).toList();
    }

    Launch last(String name) {
        List<Launch> all = of(name);
        if (all.isEmpty()) {
            throw new AssertionError("no launch of " + name);
        }
        return all.getLast();
    }
}
