package dev.taskmaster.server.engine;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One engine task answering every caller that asked before it began. A hundred clients listing
 * in a loop asked the engine for a hundred snapshots of every process at once: each waited for
 * its turn to be sent, lived long enough for the collector to move it to the old generation, and
 * the heap grew to its cap (a million ProcessSnapshot objects, 80 MB, in 10 s). Shared, the
 * callers waiting together get one snapshot, taken on the engine thread after each of them
 * asked, which is all a snapshot promises.
 *
 * <p>Threading: {@link #get} from any thread; the supplier runs on whatever thread {@code
 * submit} runs it (the engine's).
 */
final class SharedTask<T> {

    private final Function<Supplier<T>, CompletableFuture<T>> submit;
    private final Supplier<T> work;
    /** The task queued and not begun yet, which a new caller joins; null when there is none. */
    private CompletableFuture<T> queued;

    /**
     * @param submit runs its supplier on the engine thread and completes the future it returns
     * @param work   what each run computes
     */
    SharedTask(Function<Supplier<T>, CompletableFuture<T>> submit, Supplier<T> work) {
        this.submit = submit;
        this.work = work;
    }

    /** A result computed after this call; callers must not complete it (each gets its own copy). */
    CompletableFuture<T> get() {
        synchronized (this) {
            if (queued == null) {
                CompletableFuture<T> next = new CompletableFuture<>();
                queued = next;
                submit.apply(() -> {
                    synchronized (this) {
                        if (queued == next) {
                            queued = null; // from now on a caller needs a later run
                        }
                    }
                    return work.get();
                }).whenComplete((value, error) -> {
                    if (error != null) {
                        next.completeExceptionally(error);
                    } else {
                        next.complete(value);
                    }
                });
            }
            return queued.copy();
        }
    }
}
