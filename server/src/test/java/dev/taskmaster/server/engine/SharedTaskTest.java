package dev.taskmaster.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Callers waiting together share one run; a caller after a run began gets a later one. */
class SharedTaskTest {

    /** Tasks queued as on the engine thread, run when the test says. */
    private final Queue<Runnable> engine = new ArrayDeque<>();
    private final AtomicInteger runs = new AtomicInteger();
    private final SharedTask<Integer> task = new SharedTask<>(this::submit, runs::incrementAndGet);

    private CompletableFuture<Integer> submit(Supplier<Integer> work) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        engine.add(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Test
    void callersBeforeTheRunShareItsResult() {
        CompletableFuture<Integer> a = task.get();
        CompletableFuture<Integer> b = task.get();
        CompletableFuture<Integer> c = task.get();
        assertThat(engine).hasSize(1);
        engine.remove().run();
        assertThat(runs).hasValue(1);
        assertThat(a).isCompletedWithValue(1);
        assertThat(b).isCompletedWithValue(1);
        assertThat(c).isCompletedWithValue(1);
    }

    @Test
    void aCallerAfterTheRunBeganGetsALaterRun() {
        // A caller comes while the run computes: the state it would see may be older than its call.
        java.util.List<CompletableFuture<Integer>> late = new java.util.ArrayList<>();
        @SuppressWarnings("unchecked")
        SharedTask<Integer>[] self = new SharedTask[1];
        self[0] = new SharedTask<>(this::submit, () -> {
            if (late.isEmpty()) {
                late.add(self[0].get());
            }
            return runs.incrementAndGet();
        });
        CompletableFuture<Integer> first = self[0].get();
        engine.remove().run();
        assertThat(first).isCompletedWithValue(1);
        assertThat(late.getFirst()).isNotDone();
        assertThat(engine).hasSize(1);
        engine.remove().run();
        assertThat(late.getFirst()).isCompletedWithValue(2);
    }

    @Test
    void aFailureReachesEveryCallerOfThatRunAndTheNextRunTriesAgain() {
        AtomicInteger n = new AtomicInteger();
        SharedTask<Integer> failing = new SharedTask<>(this::submit, () -> {
            if (n.incrementAndGet() == 1) {
                throw new IllegalStateException("engine task failed");
            }
            return n.get();
        });
        CompletableFuture<Integer> a = failing.get();
        CompletableFuture<Integer> b = failing.get();
        engine.remove().run();
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        CompletableFuture<Integer> c = failing.get();
        engine.remove().run();
        assertThat(c).isCompletedWithValue(2);
    }

    @Test
    void oneCallerCancellingItsCopyLeavesTheOthersTheirResult() {
        CompletableFuture<Integer> a = task.get();
        CompletableFuture<Integer> b = task.get();
        a.cancel(true);
        engine.remove().run();
        assertThat(b).isCompletedWithValue(1);
    }
}
