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

/** Launches of a batch run on the engine thread and the pool at once, and come back in order. */
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

    @Test
    void threeLaunchesRunAtOnceAndResultsKeepRequestOrder() throws Exception {
        LaunchPool pool = new LaunchPool(2);
        // Each launch waits until three are inside at the same time: only possible with the caller and two helpers.
        CyclicBarrier together = new CyclicBarrier(3);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Request> requests = requests(9);
        for (int round = 0; round < 20; round++) {
            List<Result> results = pool.launchAll(requests, r -> {
                threads.add(Thread.currentThread().getName());
                try {
                    together.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the launches did not run at once", e);
                }
                return new Result(new Fake(Integer.parseInt(r.instance().name().substring(1))), null);
            });
            assertThat(results).extracting(r -> r.process().pid()).containsExactlyElementsOf(IntStream.range(0, 9).boxed().toList());
        }
        assertThat(threads).hasSize(3).contains(Thread.currentThread().getName());
    }

    @Test
    void aLaunchThatThrowsFailsAloneAndTheOthersGoOn() throws Exception {
        LaunchPool pool = new LaunchPool(2);
        List<Result> results = pool.launchAll(requests(5), r -> {
            if (r.instance().name().equals("p2")) {
                throw new IllegalStateException("boom");
            }
            if (r.instance().name().equals("p3")) {
                return new Result(null, new SpawnException("p3: no such file (ENOENT)"));
            }
            return new Result(new Fake(1), null);
        });
        assertThat(results).hasSize(5);
        assertThat(results.get(2).failure()).hasMessage("internal error while starting: java.lang.IllegalStateException: boom");
        assertThat(results.get(3).failure()).hasMessage("p3: no such file (ENOENT)");
        assertThat(List.of(results.get(0), results.get(1), results.get(4))).allSatisfy(r -> {
            assertThat(r.failure()).isNull();
            assertThat(r.process().pid()).isEqualTo(1);
        });
    }

    @Test
    void aBatchOfOneRunsOnTheCallingThread() throws Exception {
        LaunchPool pool = new LaunchPool(2);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        pool.launchAll(requests(1), r -> {
            threads.add(Thread.currentThread().getName());
            return new Result(new Fake(7), null);
        });
        assertThat(threads).containsExactly(Thread.currentThread().getName());
    }
}
