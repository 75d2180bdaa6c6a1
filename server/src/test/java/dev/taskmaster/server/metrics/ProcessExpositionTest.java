package dev.taskmaster.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthSnapshot;
import dev.taskmaster.server.engine.health.HealthStatus;
import dev.taskmaster.server.output.Outputs;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-process families written directly are what the Prometheus client library wrote from
 * the same snapshots ({@link ProcessCollector}, the reference): the same families with the same
 * HELP and TYPE, the same series with the same values; also after snapshots change (the cached
 * lines are made again) and processes go. And what a scrape of 1,000 processes costs here.
 */
class ProcessExpositionTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path tmp;

    private List<InstanceSpec> instances(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(tmp.resolve("t.yaml"), yaml), Map.of()).instances();
    }

    /** A /proc of our own, so that both writers read the same CPU time and memory. */
    private Path fakeProc(int pid, String comm, long utime, long stime, long rssPages) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("proc").resolve(Integer.toString(pid)));
        StringBuilder stat = new StringBuilder(pid + " (" + comm + ") S 1 1 1 0 -1 4194560 100 0 0 0 ");
        stat.append(utime).append(' ').append(stime).append(" 0 0 20 0 1 0 12345 10000000 ").append(rssPages)
                .append(" 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
        Files.writeString(dir.resolve("stat"), stat);
        return tmp.resolve("proc");
    }

    static String library(ProcessBoard board, Outputs outputs, Path proc) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ProcessCollector(board, outputs, proc, Clock.fixed(NOW, ZoneOffset.UTC)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    static String direct(ProcessExposition exposition) {
        TextBuffer out = new TextBuffer(16);
        exposition.write(out);
        return out.toString();
    }

    /** Each family (by its HELP line, in the order given) with its other lines as a set: series order is free. */
    static Map<String, TreeSet<String>> families(String text) {
        Map<String, TreeSet<String>> byFamily = new LinkedHashMap<>();
        TreeSet<String> current = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                current = new TreeSet<>();
                assertThat(byFamily.put(line, current)).as("family %s written once", line).isNull();
            } else {
                assertThat(current).as("a line before any family: %s", line).isNotNull();
                current.add(line);
            }
        }
        return byFamily;
    }

    private static void assertSame(String direct, String library) {
        Map<String, TreeSet<String>> mine = families(direct);
        Map<String, TreeSet<String>> theirs = families(library);
        assertThat(mine.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet());
        theirs.forEach((family, lines) -> assertThat(mine.get(family)).as(family).containsExactlyElementsOf(lines));
    }

    @Test
    void theSameSeriesAsTheLibraryWroteAsSnapshotsChange() throws Exception {
        List<InstanceSpec> in = instances("""
                programs:
                  web: {cmd: sleep 1, numprocs: 2, group: front}
                  db: {cmd: sleep 1, health_check: {tcp: "127.0.0.1:1"}}
                  "odd": {cmd: sleep 1}
                """);
        InstanceSpec web0 = in.stream().filter(i -> i.name().equals("web:0")).findFirst().orElseThrow();
        InstanceSpec web1 = in.stream().filter(i -> i.name().equals("web:1")).findFirst().orElseThrow();
        InstanceSpec db = in.stream().filter(i -> i.name().equals("db")).findFirst().orElseThrow();
        InstanceSpec odd = in.stream().filter(i -> i.name().equals("odd")).findFirst().orElseThrow();
        Path proc = fakeProc(4242, "we ird) (name", 1233, 567, 3000);
        fakeProc(4343, "db", 10_000_000, 1, 300_000);
        ProcessSnapshot w0 = new ProcessSnapshot(web0, ProcessState.RUNNING, NOW.minusSeconds(90), 4242,
                Optional.of(NOW.minusSeconds(90).minusMillis(250)), 4, 0, Optional.of(new ExitRecord(new ExitOutcome.Killed(
                        Signal.KILL, false), false, 11, NOW.minusSeconds(91), Duration.ofSeconds(3))), Optional.empty(),
                Optional.empty(), 0);
        ProcessSnapshot w1 = new ProcessSnapshot(web1, ProcessState.FATAL, NOW, 0, Optional.empty(), 0, 3,
                Optional.of(new ExitRecord(new ExitOutcome.Exited(2), false, 12, NOW, Duration.ZERO)), Optional.empty(),
                Optional.empty(), 0);
        ProcessSnapshot d = new ProcessSnapshot(db, ProcessState.RUNNING, NOW, 4343, Optional.of(NOW.minusSeconds(5)), 0, 0,
                Optional.empty(), Optional.empty(), Optional.empty(), 0, false,
                Optional.of(new HealthSnapshot(HealthStatus.UNHEALTHY, NOW, Optional.of(NOW), "refused", 3)), Optional.empty());
        ProcessSnapshot o = new ProcessSnapshot(odd, ProcessState.RUNNING, NOW, 4444, Optional.of(NOW), 0, 0, Optional.empty(),
                Optional.empty(), Optional.empty(), 0); // a pid with no /proc entry: gone between event and scrape
        ProcessBoard board = new ProcessBoard();
        board.replaceAll(List.of(w0, w1, d, o));
        Outputs outputs = new Outputs(tmp);
        outputs.of("web:0");
        outputs.of("db");
        ProcessExposition exposition = new ProcessExposition(board, outputs, new ProcUsage(proc), Clock.fixed(NOW, ZoneOffset.UTC));

        String first = direct(exposition);
        assertSame(first, library(board, outputs, proc));
        assertThat(first).contains("taskmaster_process_state{group=\"front\",process=\"web:0\",program=\"web\",state=\"RUNNING\"} 1.0\n")
                .contains("taskmaster_process_cpu_seconds_total{group=\"front\",process=\"web:0\",program=\"web\"} 18.0\n")
                .contains("taskmaster_process_resident_memory_bytes{group=\"db\",process=\"db\",program=\"db\"} 1.2288E9\n")
                .contains("taskmaster_process_uptime_seconds{group=\"front\",process=\"web:0\",program=\"web\"} 90.25\n")
                .doesNotContain("taskmaster_process_cpu_seconds_total{group=\"odd\"");

        // Snapshots change: web:0 restarted and stopped, db healthy, web:1 gone (a reload).
        board.replaceAll(List.of(
                new ProcessSnapshot(web0, ProcessState.STOPPED, NOW, 0, Optional.empty(), 5, 0, Optional.of(new ExitRecord(
                        new ExitOutcome.Exited(0), true, 13, NOW, Duration.ofSeconds(1))), Optional.empty(), Optional.empty(), 0),
                new ProcessSnapshot(db, ProcessState.RUNNING, NOW, 4343, Optional.of(NOW.minusSeconds(5)), 0, 0,
                        Optional.empty(), Optional.empty(), Optional.empty(), 0, false,
                        Optional.of(new HealthSnapshot(HealthStatus.HEALTHY, NOW, Optional.of(NOW), "ok", 0)), Optional.empty()),
                o));
        String second = direct(exposition);
        assertSame(second, library(board, outputs, proc));
        assertThat(second).contains("taskmaster_process_state{group=\"front\",process=\"web:0\",program=\"web\",state=\"STOPPED\"} 1.0\n")
                .contains("taskmaster_process_restarts_total{group=\"front\",process=\"web:0\",program=\"web\"} 5.0\n")
                .contains("taskmaster_process_health{group=\"db\",process=\"db\",program=\"db\",status=\"HEALTHY\"} 1.0\n")
                .doesNotContain("web:1");
        // And back: the lines cached for an earlier state are right for it again.
        board.replaceAll(List.of(w0, w1, d, o));
        assertSame(direct(exposition), library(board, outputs, proc));
        assertThat(direct(exposition)).isEqualTo(first);
    }

    @Test
    void numbersAsDoubleToStringWritesThem() {
        double[] values = {0, 1, -1, 2.5, 9_999_999, 10_000_000, 1.2288E9, -12_345_678, 0.01, 18.01, 1e-7, Long.MAX_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0};
        for (double v : values) {
            TextBuffer b = new TextBuffer(1);
            b.value(v);
            String expected = Double.isInfinite(v) ? (v > 0 ? "+Inf" : "-Inf") : Double.toString(v);
            assertThat(b.toString()).as("%s", v).isEqualTo(expected);
        }
        assertThat(TextBuffer.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
    }

    /** The cost of the per-process text of 1,000 running processes (each reads /proc), printed for the report. */
    @Test
    void aScrapeOfAThousandProcesses() throws Exception {
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 0; i < 1000; i++) {
            yaml.append("  p").append(i).append(": {cmd: sleep 1}\n");
        }
        int self = (int) ProcessHandle.current().pid();
        List<ProcessSnapshot> snaps = new ArrayList<>();
        Outputs outputs = new Outputs(tmp);
        for (InstanceSpec i : instances(yaml.toString())) {
            snaps.add(new ProcessSnapshot(i, ProcessState.RUNNING, NOW, self, Optional.of(NOW), 1, 0, Optional.empty(),
                    Optional.empty(), Optional.empty(), 0));
            outputs.of(i.name());
        }
        ProcessBoard board = new ProcessBoard();
        board.replaceAll(snaps);
        ProcessExposition exposition = new ProcessExposition(board, outputs, new ProcUsage(Path.of("/proc")),
                Clock.fixed(NOW, ZoneOffset.UTC));
        TextBuffer out = new TextBuffer(1 << 16);
        int rounds = 50;
        long[] wall = new long[rounds];
        long[] cpu = new long[rounds];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            out.reset();
            exposition.write(out);
            wall[round] = System.nanoTime() - t0;
            cpu[round] = threads.getCurrentThreadCpuTime() - c0;
        }
        java.util.Arrays.sort(wall);
        java.util.Arrays.sort(cpu);
        System.out.printf("per-process text of 1000 processes: median %.1f ms wall (min %.1f), %.1f ms CPU (min %.1f), %d KiB%n",
                wall[rounds / 2] / 1e6, wall[0] / 1e6, cpu[rounds / 2] / 1e6, cpu[0] / 1e6, out.size() / 1024);
        String text = out.toString();
        assertThat(text.lines().filter(l -> l.startsWith("taskmaster_process_state{") && l.endsWith("state=\"RUNNING\"} 1.0")).count())
                .isEqualTo(1000);
        assertThat(text.lines().filter(l -> l.startsWith("taskmaster_process_cpu_seconds_total{")).count()).isEqualTo(1000);
    }
}
