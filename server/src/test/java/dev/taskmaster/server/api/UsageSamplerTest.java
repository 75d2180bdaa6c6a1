package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.ResourceUsage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** CPU and memory read from /proc for real processes: a busy one, an idle one, one that is gone. */
class UsageSamplerTest {

    private static Process start(String script) throws Exception {
        return new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    }

    /** Looks at {@code p} every 300 ms until {@code ok}, for at most 10 s; returns the last look. */
    private static ResourceUsage lookUntil(UsageSampler sampler, Process p, Instant started,
            java.util.function.Predicate<ResourceUsage> ok) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ResourceUsage u = null;
        while (System.nanoTime() < deadline) {
            Optional<ResourceUsage> look = sampler.sample((int) p.pid(), started, Instant.now());
            assertThat(look).as("usage of a live process").isPresent();
            u = look.get();
            if (ok.test(u)) {
                return u;
            }
            Thread.sleep(300); // the interval between two looks is what CPU % is measured over
        }
        return u;
    }

    @Test
    void aBusyProcessUsesACoreAndAnIdleOneNothing() throws Exception {
        UsageSampler sampler = new UsageSampler();
        Instant started = Instant.now();
        Process busy = start("while :; do :; done");
        Process idle = start("exec sleep 100");
        try {
            ResourceUsage b = lookUntil(sampler, busy, started, u -> u.getCpuPercent() > 50);
            assertThat(b.getCpuPercent()).as("a shell spinning on one core").isGreaterThan(50).isLessThan(150);
            assertThat(Durations.toMillis(b.getCpuTime())).isGreaterThan(0);
            assertThat(b.getRssBytes()).isGreaterThan(100_000).isLessThan(100_000_000);

            ResourceUsage i = lookUntil(sampler, idle, started, u -> false);
            assertThat(i.getCpuPercent()).as("sleep, looked at twice 300 ms apart and more").isLessThan(5);
            assertThat(i.getRssBytes()).isGreaterThan(0);
        } finally {
            busy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            idle.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsGoneHasNoUsageAndIsForgotten() throws Exception {
        UsageSampler sampler = new UsageSampler();
        Process p = start("exit 0");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sampler.sample((int) p.pid(), Instant.now(), Instant.now())).isEmpty();
        assertThat(sampler.sample(0, Instant.now(), Instant.now())).isEmpty();

        Process q = start("exec sleep 100");
        try {
            assertThat(sampler.sample((int) q.pid(), Instant.now(), Instant.now())).isPresent();
            sampler.retain(java.util.Set.of());
            // Forgotten: the next look is a first look again (the average over its life), not a delta.
            assertThat(sampler.sample((int) q.pid(), Instant.now().minusSeconds(3600), Instant.now()).orElseThrow()
                    .getCpuPercent()).isLessThan(1);
        } finally {
            q.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void commandNamesWithSpacesAndParenthesesDoNotConfuseTheFields() throws Exception {
        java.nio.file.Path fake = java.nio.file.Files.createTempDirectory("proc");
        java.nio.file.Files.createDirectories(fake.resolve("42"));
        // comm "a) b (c" as the kernel writes it; utime 150, stime 50 ticks; rss 1000 pages.
        java.nio.file.Files.writeString(fake.resolve("42/stat"),
                "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 12345 10000000 1000 18446744073709551615\n");
        Instant now = Instant.parse("2026-12-07T03:04:05.123456789Z");
        ResourceUsage u = new UsageSampler(fake).sample(42, now.minusSeconds(4), now).orElseThrow();
        // The contract: "When this sample was taken."
        assertThat(u.getSampleTime()).isEqualTo(Protos.timestamp(now));
        assertThat(Durations.toMillis(u.getCpuTime())).isEqualTo(2000);
        assertThat(u.getRssBytes()).isEqualTo(1000 * 4096L);
        assertThat(u.getCpuPercent()).isBetween(49.0, 51.0); // 2 s of CPU over 4 s of life
    }

    @Test
    void looksCloseTogetherReuseTheSampleButNotForAnotherProcessUnderTheSamePid() throws Exception {
        java.nio.file.Path fake = java.nio.file.Files.createTempDirectory("proc");
        java.nio.file.Files.createDirectories(fake.resolve("42"));
        java.nio.file.Path stat = fake.resolve("42/stat");
        java.nio.file.Files.writeString(stat, "42 (a) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 12345 10000000 1000 0\n");
        UsageSampler sampler = new UsageSampler(fake, TimeUnit.HOURS.toNanos(1));
        Instant now = Instant.now();
        Instant started = now.minusSeconds(4);
        assertThat(sampler.sample(42, started, now).orElseThrow().getRssBytes()).isEqualTo(1000 * 4096L);

        java.nio.file.Files.writeString(stat, "42 (a) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 12345 10000000 2000 0\n");
        assertThat(sampler.sample(42, started, now).orElseThrow().getRssBytes())
                .as("within the interval: the last sample, /proc not read").isEqualTo(1000 * 4096L);
        assertThat(sampler.sample(42, started.plusSeconds(1), now).orElseThrow().getRssBytes())
                .as("a process that started at another time reused the pid: read again").isEqualTo(2000 * 4096L);
        assertThat(new UsageSampler(fake, 0).sample(42, started, now).orElseThrow().getRssBytes()).isEqualTo(2000 * 4096L);
    }
}
