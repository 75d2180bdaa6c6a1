package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ProcessLauncher.LaunchedProcess;
import dev.taskmaster.server.engine.ProcessLauncher.Request;
import dev.taskmaster.server.engine.ProcessLauncher.Result;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launches run on spawner threads, several at once, never on the caller, and each result comes back once with its index. */
class LaunchPoolTest {

    @TempDir
    Path tmp;

    private record Fake(int pid) implements LaunchedProcess {
        @Override
        public void signal(Signal signal, boolean toGroup) {
        }
    }

    private List<Request> requests(int n) throws Exception {
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  p").append(i).append(": {cmd: /bin/true}\n");
        }
        List<InstanceSpec> instances = RealEngine.config(tmp, yaml.toString()).instances();
        return instances.stream().map(i -> new Request(i, outcome -> { })).toList();
    }

    /** Launches {@code requests} through {@code pool}; the results by index once all came back. */
    private static Result[] launch(LaunchPool pool, List<Request> requests,
            java.util.function.Function<Request, Result> launch) throws InterruptedException {
        Result[] results = new Result[requests.size()];
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(requests.size());
        java.util.concurrent.atomic.AtomicInteger twice = new java.util.concurrent.atomic.AtomicInteger();
        pool.launchInBackground(requests, launch, (result, i) -> {
            synchronized (results) {
                if (results[i] != null) {
                    twice.incrementAndGet();
                }
                results[i] = result;
            }
            all.countDown();
        });
        assertThat(all.await(30, TimeUnit.SECONDS)).as("every launch answered").isTrue();
        assertThat(twice).as("results reported twice").hasValue(0);
        synchronized (results) {
            return results.clone();
        }
    }

    @Test
    void launchesRunOnSpawnerThreadsAtOnceNeverOnTheCaller() throws Exception {
        LaunchPool pool = new LaunchPool(3);
        // Each launch waits until three are inside at the same time: only possible with three spawner threads.
        CyclicBarrier together = new CyclicBarrier(3);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Request> requests = requests(9);
        for (int round = 0; round < 20; round++) {
            Result[] results = launch(pool, requests, r -> {
                threads.add(Thread.currentThread().getName());
                try {
                    together.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the launches did not run at once", e);
                }
                return new Result(new Fake(Integer.parseInt(r.instance().name().substring(1))), null);
            });
            // Each result is handed back with its own request's index.
            assertThat(results).extracting(r -> r.process().pid()).containsExactlyElementsOf(IntStream.range(0, 9).boxed().toList());
        }
        assertThat(threads).hasSize(3).doesNotContain(Thread.currentThread().getName())
                .allSatisfy(t -> assertThat(t).startsWith("spawner-"));
    }

    @Test
    void aLaunchThatThrowsFailsAloneAndTheOthersGoOn() throws Exception {
        LaunchPool pool = new LaunchPool(2);
        Result[] results = launch(pool, requests(5), r -> {
            if (r.instance().name().equals("p2")) {
                throw new IllegalStateException("boom");
            }
            if (r.instance().name().equals("p3")) {
                return new Result(null, new SpawnException("p3: no such file (ENOENT)"));
            }
            return new Result(new Fake(1), null);
        });
        assertThat(results).hasSize(5);
        assertThat(results[2].failure()).hasMessage("internal error while starting: java.lang.IllegalStateException: boom");
        assertThat(results[3].failure()).hasMessage("p3: no such file (ENOENT)");
        assertThat(List.of(results[0], results[1], results[4])).allSatisfy(r -> {
            assertThat(r.failure()).isNull();
            assertThat(r.process().pid()).isEqualTo(1);
        });
    }

    @Test
    void theCallerDoesNotWaitForALaunch() throws Exception {
        LaunchPool pool = new LaunchPool(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Result> answered = new java.util.concurrent.CompletableFuture<>();
        pool.launchInBackground(requests(1), r -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(new Fake(7), null);
        }, (result, i) -> answered.complete(result));
        // Back here while the launch is still blocked: the caller (the engine thread) never waits on one.
        assertThat(answered).isNotDone();
        release.countDown();
        assertThat(answered.get(30, TimeUnit.SECONDS).process().pid()).isEqualTo(7);
    }
}
