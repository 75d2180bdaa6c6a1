package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log files are shared by path and opened outside the lock: threads racing for one path get one file. */
class LogFilesTest {

    @TempDir
    Path tmp;

    @Test
    void threadsOpeningOnePathAtOnceShareOneFileAndTheLastReleaseClosesIt() throws Exception {
        RotatingLogFile.Settings settings = new RotatingLogFile.Settings(0, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 50; round++) {
                LogFiles files = new LogFiles();
                Path path = tmp.resolve("round" + round + "/shared.log");
                CyclicBarrier together = new CyclicBarrier(6);
                List<Future<RotatingLogFile>> got = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    got.add(pool.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        return files.acquire(path, settings);
                    }));
                }
                RotatingLogFile first = got.getFirst().get(10, TimeUnit.SECONDS);
                for (Future<RotatingLogFile> f : got) {
                    assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
                }
                assertThat(files.size()).isEqualTo(1);
                for (int t = 0; t < 5; t++) {
                    files.release(first);
                }
                assertThat(files.size()).as("one user left").isEqualTo(1);
                files.release(first);
                assertThat(files.size()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
