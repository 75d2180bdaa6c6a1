package dev.taskmaster.server.engine;

import dev.taskmaster.config.InstanceSpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Starts the process of an instance. The engine hands its launches over with
 * {@link #launchInBackground}, which runs {@link #launch} off the engine thread (a launch looks
 * users up, checks files, opens logs and spawns: all of it may block) and reports each result
 * back, on any thread; the engine applies it as a task of its own. {@link #launch} may be called
 * on several threads at once, for different instances. Exits are reported later through
 * {@code onExit}, on any thread, exactly once per launched process.
 */
public interface ProcessLauncher {

    /** @throws SpawnException with a precise reason when the process could not be started */
    LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException;

    /**
     * Launches every request off the calling thread (the engine's) and hands each one's result to
     * {@code done}, with the request's index, exactly once per request, on any thread and in any
     * order. Returns at once. A result given to {@code done} is the receiver's: a process in it
     * must be supervised or killed. This default launches on the calling thread, one after
     * another: for launchers whose launches do not block (tests).
     */
    default void launchInBackground(List<Request> requests, java.util.function.ObjIntConsumer<Result> done) {
        for (int i = 0; i < requests.size(); i++) {
            done.accept(Result.of(this, requests.get(i)), i);
        }
    }

    /**
     * Where to report that the output of launched processes stopped reaching its log files, or
     * reaches them again (a full disk). Called once by the engine, before any launch; a
     * launcher that captures no output ignores it.
     */
    default void reportLogWritingTo(LogWritingJournal journal) {
    }

    /**
     * How many processes that {@code instance}'s ended processes left behind are still running
     * (kept by killmode process); 0 when none, or when the launcher does not look. Any thread; cheap.
     */
    default int leftovers(String instance) {
        return 0;
    }

    /**
     * Takes {@code pid}, a running process the daemon did not spawn, as the process of
     * {@code instance}: its end is reported through {@code onExit} exactly once, on any thread,
     * as {@link ExitOutcome.Unknown} unless the daemon can wait for it. Called on the engine
     * thread; returns at once. The pid was checked by the caller (it exists, the daemon may
     * signal it); what may still fail is that it has ended since.
     *
     * @param startTicks its start time when it was checked ({@code /proc/PID/stat}): a process
     *                   found with the pid after that but started at another time is not it
     * @throws SpawnException when the process cannot be watched (it has ended: ESRCH, or its pid was reused)
     */
    default LaunchedProcess adopt(InstanceSpec instance, int pid, long startTicks, Consumer<ExitOutcome> onExit)
            throws SpawnException {
        throw new SpawnException("this daemon cannot adopt processes");
    }

    /**
     * Takes {@code survivor}, a process of the previous daemon of this instance still running
     * (crash recovery, re-exec), as the process of {@code instance}: its output, when the survivor
     * brings descriptors for it, goes on into the instance's logs; its end is reported through
     * {@code onExit} exactly once, on any thread (with its status when it is this daemon's child,
     * else {@link ExitOutcome.Unknown}); what it leaves behind is looked after by its kill mode, as
     * for a spawned process. Called on the engine thread; returns at once. The survivor's
     * descriptors are the launcher's from now on, even when this throws.
     *
     * @throws SpawnException when it cannot be watched (it has ended since it was found)
     */
    default LaunchedProcess resume(InstanceSpec instance, dev.taskmaster.server.recovery.Survivor survivor,
            Consumer<ExitOutcome> onExit) throws SpawnException {
        survivor.release();
        throw new SpawnException("this daemon cannot resume processes");
    }

    /** One launch of a batch: what {@link #launch} takes. */
    record Request(InstanceSpec instance, Consumer<ExitOutcome> onExit) {
    }

    /** What became of one launch of a batch: exactly one of {@code process} and {@code failure} is set. */
    record Result(LaunchedProcess process, SpawnException failure) {

        /** Launches {@code request} with {@code launcher}, on the calling thread. */
        public static Result of(ProcessLauncher launcher, Request request) {
            try {
                return new Result(launcher.launch(request.instance(), request.onExit()), null);
            } catch (SpawnException e) {
                return new Result(null, e);
            }
        }
    }

    /** A process that was started. Methods may be called from the engine thread only. */
    interface LaunchedProcess {
        int pid();

        /**
         * Sends {@code signal} to the process, or to its whole process group. A process that has
         * already exited is not an error (its exit is on the way).
         */
        void signal(dev.taskmaster.config.Signal signal, boolean toGroup);

        /**
         * Whether this is (now) a process the daemon did not spawn: adopted by pid, found running
         * by the program's {@code adopt:} setting, or followed to after its cmd daemonized. Its
         * output is not captured. May change once, from false to true, while it runs.
         */
        default boolean adopted() {
            return false;
        }

        /**
         * The program's kill mode changed while this process runs (a reload, an update): what
         * happens when it exits, and to what it leaves behind, follows the new one.
         */
        default void killModeChanged(dev.taskmaster.config.KillMode mode) {
        }

        /**
         * Tells {@code listener}, on any thread, each time the kernel reports this process stopped
         * or continued (by anyone: the daemon's pause and resume, or {@code kill -STOP} from
         * outside); a report from before the call is told at once. The listener must not block.
         * By default nothing is reported (a process that is not the daemon's child).
         */
        default void onStopOrContinue(java.util.function.Consumer<dev.taskmaster.server.engine.outside.OutsideChange> listener) {
        }

        /**
         * Whether the process is stopped at this moment (state T), or is about to be (a SIGSTOP sent
         * to it has not been taken yet); empty when that cannot be known. Cheap.
         */
        default Optional<Boolean> stoppedNow() {
            return Optional.empty();
        }
    }

    /** The process could not be started; {@link #getMessage()} says what failed, with what. */
    final class SpawnException extends Exception {
        public SpawnException(String reason) {
            super(reason);
        }
    }
}
