package dev.taskmaster.server.reexec;

import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.os.Exec;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.ProcessInput;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.spawn.ChildWatcher;
import dev.taskmaster.server.spawn.OutputPump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the daemon's program with itself, in place: execve of the same command line keeps the
 * pid, so every program stays its child, and keeps every descriptor not marked close-on-exec,
 * so every pipe and terminal stays open. Before the exec, in this order:
 * <ol>
 *   <li>the API stops: streams end with "re-executing" (clients reconnect and resume), then the
 *       listeners close; clients that connect meanwhile are refused and retry;</li>
 *   <li>the child watcher stops reaping (a child that ends from now on stays a zombie, reaped by
 *       the new program with its real status), and no spawn is between posix_spawn and watch;</li>
 *   <li>the engine is held: a task on its thread that does not return (so no launch, no timer,
 *       no exit is handled — nothing to check anywhere else), queued after every exit already
 *       reported;</li>
 *   <li>the output pump stops once everything it read is in the log files: bytes not read yet
 *       stay in the pipes, for the new program — so no byte is lost or doubled;</li>
 *   <li>the state file is written (its processes are the ones the new program takes back);</li>
 *   <li>the handover (journal, rings) goes into a memfd; every descriptor is marked
 *       close-on-exec except the pipes and terminals of the programs, the handover and the
 *       instance lock's (a POSIX lock stays with the process through execve while one of its
 *       descriptors is open: no other daemon can take the instance meanwhile).</li>
 * </ol>
 * If execve fails, everything is undone in reverse: nothing running was disturbed.
 *
 * <p>Threading: {@link #check} from any thread; {@link #run} on one thread (the daemon's main
 * thread), which also undoes.
 */
public final class Reexecutor {

    private static final Logger log = LoggerFactory.getLogger(Reexecutor.class);
    /** How long each part may take to stop before the re-exec is given up. */
    private static final long STOP_MILLIS = 10_000;

    /** The API seen from here: stopped before the exec, served again if it fails. */
    public interface Api {
        void stop();

        void restart() throws IOException;
    }

    /**
     * What the daemon is made of, for the re-exec.
     *
     * @param flushState  writes the state file now (recovery's StateFile.flushNow)
     * @param lockFile    the instance lock's file: its descriptor is kept
     * @param firstStart  when the first program of the chain started
     * @param reexecs     how many re-execs came before
     */
    public record Parts(Engine engine, Outputs outputs, OutputPump pump, ChildWatcher watcher, Api api,
            Runnable flushState, Path lockFile, Instant firstStart, int reexecs) {
    }

    /** The exec itself: {@link Exec#execve}; a test makes it fail, to see everything undone. */
    @FunctionalInterface
    public interface Execve {
        /** Returns only on failure, with why. */
        NativeException exec(String path, List<String> argv, List<String> envp);
    }

    private final Parts parts;
    private final Execve execve;

    public Reexecutor(Parts parts) {
        this(parts, Exec::execve);
    }

    public Reexecutor(Parts parts, Execve execve) {
        this.parts = parts;
        this.execve = execve;
    }

    /** Why a re-exec cannot be done now; empty when it can. Changes nothing. */
    public static Optional<String> check() {
        try {
            return ProgramLine.current().unusable();
        } catch (IOException e) {
            return Optional.of("cannot read this process's command line: " + e.getMessage());
        }
    }

    /**
     * Stops everything, hands over and execs. Returns only if the re-exec failed (the exception
     * says why), after everything was started again.
     */
    public IOException run() {
        long t0 = System.nanoTime();
        ProgramLine line;
        try {
            line = ProgramLine.current();
        } catch (IOException e) {
            return e;
        }
        parts.api().stop();
        boolean reaping = true;
        boolean reading = true;
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        boolean engineHeld = false;
        try {
            if (!parts.watcher().stopReaping(STOP_MILLIS)) {
                return undo(new IOException("the child watcher did not stop within " + STOP_MILLIS + " ms"), true, true,
                        false, release);
            }
            reaping = false;
            parts.engine().runAlone(() -> {
                held.countDown();
                awaitQuietly(release);
            });
            engineHeld = true;
            if (!held.await(STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                return undo(new IOException("the engine did not stop within " + STOP_MILLIS + " ms"), reaping, reading,
                        engineHeld, release);
            }
            if (!parts.pump().stopReading(STOP_MILLIS)) {
                return undo(new IOException("the output pump did not stop within " + STOP_MILLIS + " ms"), reaping, reading,
                        engineHeld, release);
            }
            reading = false;
            parts.flushState().run();
            Handover handover = handover();
            int memfd = HandoverFile.write(handover);
            Set<Integer> keep = new TreeSet<>(kept());
            keep.add(memfd);
            lockDescriptor().ifPresent(keep::add);
            Exec.closeOnExecFrom(3);
            for (int fd : keep) {
                Fds.setCloseOnExec(fd, false);
            }
            log.info("re-executing {} ({} descriptors kept, {} events and {} rings handed over; stopped in {} ms)",
                    line.executable(), keep.size(), handover.events().size(), handover.rings().size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            NativeException failed = execve.exec(line.executable().toString(), line.withHandover(memfd), environment());
            // Still here: execve failed, and this program goes on as it was.
            Fds.closeQuietly(memfd);
            restoreCloseOnExec(keep);
            return undo(new IOException(failed.getMessage(), failed), reaping, reading, engineHeld, release);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return undo(new IOException("interrupted"), reaping, reading, engineHeld, release);
        } catch (IOException | RuntimeException e) {
            return undo(e instanceof IOException io ? io : new IOException(e.getMessage(), e), reaping, reading, engineHeld,
                    release);
        }
    }

    private IOException undo(IOException why, boolean reaping, boolean reading, boolean engineHeld, CountDownLatch release) {
        log.error("re-exec failed, taskmasterd goes on as it was: {}", why.getMessage());
        if (!reading) {
            parts.pump().resumeReading();
        }
        if (engineHeld) {
            release.countDown();
        }
        if (!reaping) {
            parts.watcher().resumeReaping();
        }
        try {
            parts.api().restart();
        } catch (IOException | RuntimeException e) {
            log.error("cannot serve the API again after the failed re-exec: {}", e.getMessage());
        }
        return why;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The journal and the rings, as they are with everything stopped. */
    private Handover handover() throws IOException {
        EventJournal journal = parts.engine().journal();
        Map<String, OutputRing.Image> rings = new LinkedHashMap<>();
        long budget = Handover.RING_BUDGET;
        for (String name : instanceNames()) {
            Optional<ProcessOutput> output = parts.outputs().find(name);
            if (output.isEmpty()) {
                continue;
            }
            OutputRing.Image image = output.get().ring().image((int) Math.min(Integer.MAX_VALUE, Math.max(0, budget)));
            budget -= image.runs().stream().mapToLong(r -> r.data().length).sum();
            rings.put(name, image);
        }
        return new Handover((int) ProcessHandle.current().pid(), HandoverFile.bootId(), parts.firstStart(),
                parts.reexecs() + 1, journal.id(), journal.lastSequence(), journal.since(journal.oldestSequence()), rings);
    }

    /** Every instance with captured output (the outputs registry knows them without asking the engine, which is held). */
    private List<String> instanceNames() {
        return parts.outputs().names();
    }

    /** Every descriptor to keep: the pipes and terminal masters read by the pump, and every program's input. */
    private List<Integer> kept() {
        List<Integer> fds = new ArrayList<>(parts.pump().descriptors());
        for (String name : instanceNames()) {
            parts.outputs().find(name).flatMap(ProcessOutput::input).filter(i -> !i.isClosed())
                    .map(ProcessInput::descriptor).ifPresent(fds::add);
        }
        return fds;
    }

    /** This process's descriptor of the instance lock's file, found in /proc/self/fd. */
    private Optional<Integer> lockDescriptor() {
        Path target = parts.lockFile().toAbsolutePath().normalize();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(p).equals(target)) {
                        return Optional.of(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // closed meanwhile (the listing's own descriptor): not the lock
                }
            }
        } catch (IOException e) {
            log.warn("re-exec: cannot list /proc/self/fd: {}", e.getMessage());
        }
        log.warn("re-exec: the instance lock's descriptor was not found; another daemon could take the instance"
                + " while this one re-executes");
        return Optional.empty();
    }

    private static void restoreCloseOnExec(Set<Integer> keep) {
        for (int fd : keep) {
            try {
                Fds.setCloseOnExec(fd, true);
            } catch (NativeException e) {
                log.debug("fd {}: {}", fd, e.getMessage());
            }
        }
    }

    private static List<String> environment() {
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

}
