package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a configuration off the threads the daemon serves with: a read that blocks ends at
 * its deadline with an error, and the reads after it still work.
 */
class ConfigReaderTest {

    @TempDir
    Path tmp;

    @Test
    void aReadRunsOnItsOwnThreadWithABigStack() throws Exception {
        Path file = Files.writeString(tmp.resolve("t.yaml"), "programs: {a: {cmd: x}}\n");
        AtomicReference<String> thread = new AtomicReference<>();
        Config config = new ConfigReader().read(file, () -> {
            thread.set(Thread.currentThread().getName());
            return dev.taskmaster.config.ConfigLoader.load(file);
        }).get(10, TimeUnit.SECONDS);
        assertThat(config.programs()).hasSize(1);
        assertThat(thread.get()).isEqualTo("config-reader");
    }

    /**
     * A FIFO opened for reading blocks until someone opens it for writing: the one way left for
     * a read to block once the loader refuses FIFOs by their type (a file swapped after that check).
     */
    @Test
    void aReadThatBlocksFailsAtItsDeadlineAndTheNextReadGetsAFreshThread() throws Exception {
        Path fifo = mkfifo(tmp.resolve("swapped.yaml"));
        Path good = Files.writeString(tmp.resolve("good.yaml"), "programs: {a: {cmd: x}}\n");
        dev.taskmaster.config.ConfigLoader.load(good); // the first load of a JVM loads snakeyaml's classes: not under the deadline
        ConfigReader reader = new ConfigReader(Duration.ofSeconds(2));
        long start = System.nanoTime();
        CompletableFuture<String> stuck = reader.read(fifo, () -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes());
            }
        });
        // Queued behind the stuck read: they move to the fresh thread and complete.
        List<CompletableFuture<Config>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(reader.load(good));
        }
        Throwable failed = catchThrowable(() -> stuck.get(10, TimeUnit.SECONDS));
        assertThat(failed).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConfigException.class);
        List<ConfigError> errors = ((ConfigException) failed.getCause()).errors();
        assertThat(errors).extracting(ConfigError::toString).containsExactly(fifo + ": cannot read: reading the"
                + " configuration did not end within 2 s; a file it names may have become a FIFO, or be on a file"
                + " system that does not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        for (CompletableFuture<Config> q : queued) {
            assertThat(q.get(10, TimeUnit.SECONDS).programs()).hasSize(1);
        }
        assertThat(reader.load(good).get(10, TimeUnit.SECONDS).programs()).hasSize(1);
        // Unblock the abandoned thread, so that it ends with the test.
        try (var out = Files.newOutputStream(fifo)) {
            out.write('\n');
        }
    }

    /**
     * Reads stuck for good (a dead mount, a FIFO nobody writes) each keep a thread: after
     * {@link ConfigReader#MAX_STUCK} of them a new read fails at once, and reads work again once
     * the stuck ones end.
     */
    @Test
    void stuckReadsAreCappedAndReadingResumesWhenTheyEnd() throws Exception {
        Path good = Files.writeString(tmp.resolve("good.yaml"), "programs: {a: {cmd: x}}\n");
        dev.taskmaster.config.ConfigLoader.load(good);
        ConfigReader reader = new ConfigReader(Duration.ofMillis(300));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<CompletableFuture<String>> stuck = new ArrayList<>();
        for (int i = 0; i < ConfigReader.MAX_STUCK; i++) {
            CompletableFuture<String> r = reader.read(good, () -> {
                // Not interruptible, as a read on a dead mount is not.
                while (true) {
                    try {
                        if (release.await(1, TimeUnit.HOURS)) {
                            return "released";
                        }
                    } catch (InterruptedException ignored) {
                        // keeps waiting
                    }
                }
            });
            assertThat(catchThrowable(() -> r.get(10, TimeUnit.SECONDS))).cause().isInstanceOf(ConfigException.class);
            stuck.add(r);
        }
        Throwable refused = catchThrowable(() -> reader.load(good).get(1, TimeUnit.SECONDS));
        assertThat(refused).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConfigException.class);
        assertThat(((ConfigException) refused.getCause()).errors()).extracting(ConfigError::toString)
                .containsExactly(good + ": cannot read: " + ConfigReader.MAX_STUCK + " earlier reads of the configuration"
                        + " are still stuck (a FIFO, or a file system that does not answer); no other is tried until one"
                        + " of them ends");
        release.countDown();
        dev.taskmaster.testkit.Poll.until("a read to work again", Duration.ofSeconds(10), () -> {
            try {
                return reader.load(good).get(10, TimeUnit.SECONDS).programs().size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** 200 SIGHUPs queue 200 reads: the deadline of each runs from its own start, not from the queue's. */
    @Test
    void theDeadlineRunsFromTheStartOfEachRead() throws Exception {
        ConfigReader reader = new ConfigReader(Duration.ofMillis(800));
        Path file = tmp.resolve("t.yaml");
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            reads.add(reader.read(file, () -> {
                Thread.sleep(300); // the read's own work, well within its deadline; six of them are not
                return n;
            }));
        }
        for (int i = 0; i < reads.size(); i++) {
            assertThat(reads.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(i);
        }
    }

    @Test
    void checkConfigOnAFifoAnswersAtOnceWithOneLocatedLine() throws Exception {
        Path fifo = mkfifo(tmp.resolve("fifo.yaml"));
        long start = System.nanoTime();
        DaemonCommandRun run = DaemonCommandRun.taskmasterd("--check-config", fifo.toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(run.code()).isEqualTo(DaemonCommand.EXIT_CONFIG);
        assertThat(run.err()).isEqualTo(fifo + ": cannot read: not a regular file (a FIFO)\n"
                + "taskmasterd: 1 error in the configuration; nothing was started\n");
        Path main = Files.writeString(tmp.resolve("main.yaml"), "programs: {a: {cmd: x}}\ninclude: [/dev/zero, fifo.yaml]\n");
        run = DaemonCommandRun.taskmasterd("--check-config", main.toString());
        assertThat(run.code()).isEqualTo(DaemonCommand.EXIT_CONFIG);
        assertThat(run.err()).isEqualTo(main + ":2:11: include[0]: cannot read included file /dev/zero: not a regular"
                + " file (a character device)\n" + main + ":2:22: include[1]: cannot read included file " + fifo
                + ": not a regular file (a FIFO)\ntaskmasterd: 2 errors in the configuration; nothing was started\n");
    }

    @Test
    void theDeadlineIsDocumented() throws IOException {
        String seconds = ConfigReader.DEADLINE.toSeconds() + " s";
        assertThat(Files.readString(Path.of("../docs/configuration.md"))).contains("did not end within " + seconds,
                "within\n" + ConfigReader.DEADLINE.toSeconds() + " seconds");
        assertThat(Files.readString(Path.of("../docs/taskmasterd.md"))).contains("within " + ConfigReader.DEADLINE.toSeconds()
                + " seconds fails the reload", "never takes more than " + ConfigReader.DEADLINE.toSeconds() + " seconds");
    }

    static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("mkfifo").isZero();
        return path;
    }
}
