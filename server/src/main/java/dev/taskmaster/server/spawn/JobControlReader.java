package dev.taskmaster.server.spawn;

import dev.taskmaster.server.os.JobControl;
import dev.taskmaster.server.os.NativeException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reader, per process, of the kernel's stop and continue reports about this process's
 * children ({@link JobControl}), handing each to whoever registered its pid. One per process
 * because a report is consumed by the first thread that waits for it: two readers would steal
 * each other's. Its thread blocks in {@code waitid} and, while the process has no child at all,
 * waits for the next {@link #register}.
 *
 * <p>Threading: {@link #register} and {@link #unregister} from any thread; handlers run on the
 * reader's thread and must not block.
 */
final class JobControlReader {

    private static final Logger log = LoggerFactory.getLogger(JobControlReader.class);
    private static final JobControlReader INSTANCE = new JobControlReader();

    private final Map<Integer, Consumer<JobControl.Change>> handlers = new ConcurrentHashMap<>();
    /**
     * Registrations so far; the thread waits for a new one while there is no child. Atomic, with
     * park and unpark rather than a monitor: a crash loop registers hundreds of children a second
     * from several spawner threads, and entering a monitor the reader also took was a quarter of
     * the spawners' samples.
     */
    private final java.util.concurrent.atomic.AtomicLong registrations = new java.util.concurrent.atomic.AtomicLong();
    /** Set once, under this. */
    private volatile Thread thread;

    static JobControlReader get() {
        return INSTANCE;
    }

    /** From now on, reports about {@code pid} go to {@code handler} (replacing any earlier one). */
    void register(int pid, Consumer<JobControl.Change> handler) {
        handlers.put(pid, handler);
        registrations.incrementAndGet();
        Thread reader = thread;
        if (reader == null) {
            synchronized (this) {
                if (thread == null) {
                    thread = Thread.ofPlatform().daemon().name("job-control").start(this::read);
                }
                reader = thread;
            }
        }
        java.util.concurrent.locks.LockSupport.unpark(reader); // a permit: not lost if it is not parked yet
    }

    /** Reports about {@code pid} go nowhere any more; only the handler given is removed. */
    void unregister(int pid, Consumer<JobControl.Change> handler) {
        handlers.remove(pid, handler);
    }

    private void read() {
        long seen = -1;
        while (true) {
            try {
                seen = registrations.get();
                Optional<JobControl.Change> change = JobControl.next();
                if (change.isEmpty()) {
                    while (registrations.get() == seen) {
                        java.util.concurrent.locks.LockSupport.park(this);
                        if (Thread.interrupted()) {
                            return;
                        }
                    }
                    continue;
                }
                Consumer<JobControl.Change> handler = handlers.get(change.get().pid());
                if (handler != null) {
                    handler.accept(change.get());
                }
            } catch (NativeException e) {
                log.error("cannot read stops and continues of child processes: {}", e.getMessage());
                return;
            } catch (RuntimeException e) {
                log.error("a stop or continue report could not be handled; reading on", e);
            }
        }
    }
}
