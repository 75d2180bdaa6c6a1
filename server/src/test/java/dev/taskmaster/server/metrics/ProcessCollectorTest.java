package dev.taskmaster.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Config;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-process metrics as the text format shows them, from snapshots: every state a series,
 * exit code and signal, health, output counters, no pid label; and what a scrape of 1,000
 * processes costs here (collect and write, printed; the daemon-level figure is bench/metrics).
 */
class ProcessCollectorTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path tmp;

    private List<InstanceSpec> instances(String yaml) throws Exception {
        Path f = Files.writeString(tmp.resolve("t.yaml"), yaml);
        Config c = ConfigLoader.load(f, Map.of());
        return c.instances();
    }

    private static String scrape(PrometheusRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void statesExitsHealthAndOutputAsSeries() throws Exception {
        List<InstanceSpec> in = instances("""
                programs:
                  web: {cmd: sleep 1, numprocs: 2, group: front}
                  db: {cmd: sleep 1, health_check: {tcp: "127.0.0.1:1"}}
                """);
        InstanceSpec web0 = in.stream().filter(i -> i.name().equals("web:0")).findFirst().orElseThrow();
        InstanceSpec web1 = in.stream().filter(i -> i.name().equals("web:1")).findFirst().orElseThrow();
        InstanceSpec db = in.stream().filter(i -> i.name().equals("db")).findFirst().orElseThrow();
        int self = (int) ProcessHandle.current().pid();
        ProcessBoard board = new ProcessBoard();
        board.replaceAll(List.of(
                new ProcessSnapshot(web0, ProcessState.RUNNING, NOW.minusSeconds(90), self, Optional.of(NOW.minusSeconds(90)), 4, 0,
                        Optional.of(new ExitRecord(new ExitOutcome.Killed(Signal.KILL, false), false, 11, NOW.minusSeconds(91),
                                Duration.ofSeconds(3))), Optional.empty(), Optional.empty(), 0),
                new ProcessSnapshot(web1, ProcessState.FATAL, NOW, 0, Optional.empty(), 0, 3,
                        Optional.of(new ExitRecord(new ExitOutcome.Exited(2), false, 12, NOW, Duration.ZERO)), Optional.empty(),
                        Optional.empty(), 0),
                new ProcessSnapshot(db, ProcessState.RUNNING, NOW, self, Optional.of(NOW.minusSeconds(5)), 0, 0, Optional.empty(),
                        Optional.empty(), Optional.empty(), 0, false,
                        Optional.of(new HealthSnapshot(HealthStatus.UNHEALTHY, NOW, Optional.of(NOW), "refused", 3)),
                        Optional.empty())));
        Outputs outputs = new Outputs(tmp);
        outputs.of("web:0"); // an output that has read nothing yet
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ProcessCollector(board, outputs, Path.of("/proc"), Clock.fixed(NOW, ZoneOffset.UTC)));
        String text = scrape(registry);

        String w0 = "group=\"front\",process=\"web:0\",program=\"web\"";
        assertThat(text).contains("taskmaster_process_state{" + w0 + ",state=\"RUNNING\"} 1.0")
                .contains("taskmaster_process_state{" + w0 + ",state=\"STOPPED\"} 0.0")
                .contains("taskmaster_process_state{" + w0 + ",state=\"SCHEDULED\"} 0.0")
                .contains("taskmaster_process_state{group=\"front\",process=\"web:1\",program=\"web\",state=\"FATAL\"} 1.0")
                .contains("taskmaster_process_restarts_total{" + w0 + "} 4.0")
                .contains("taskmaster_process_uptime_seconds{" + w0 + "} 90.0")
                .contains("taskmaster_process_uptime_seconds{group=\"front\",process=\"web:1\",program=\"web\"} 0.0")
                .contains("taskmaster_process_last_exit_code{" + w0 + "} -1.0")
                .contains("taskmaster_process_last_exit_signal{" + w0 + "} 9.0")
                .contains("taskmaster_process_last_exit_code{group=\"front\",process=\"web:1\",program=\"web\"} 2.0")
                .contains("taskmaster_process_last_exit_signal{group=\"front\",process=\"web:1\",program=\"web\"} 0.0")
                .contains("taskmaster_process_health{group=\"db\",process=\"db\",program=\"db\",status=\"UNHEALTHY\"} 1.0")
                .contains("taskmaster_process_health{group=\"db\",process=\"db\",program=\"db\",status=\"HEALTHY\"} 0.0")
                .contains("taskmaster_process_output_bytes_total{" + w0 + ",stream=\"stdout\"} 0.0")
                .contains("taskmaster_process_output_dropped_lines_total{" + w0 + "} 0.0")
                .contains("taskmaster_process_log_writing_stopped{" + w0 + "} 0.0")
                .containsPattern("taskmaster_process_resident_memory_bytes\\{" + java.util.regex.Pattern.quote(w0) + "} [1-9]")
                .containsPattern("taskmaster_process_cpu_seconds_total\\{" + java.util.regex.Pattern.quote(w0) + "} [0-9]")
                .doesNotContain("pid");
        assertThat(text).doesNotContain("taskmaster_process_health{" + w0); // no health check, no health series
        assertThat(text).doesNotContain("taskmaster_process_resident_memory_bytes{group=\"front\",process=\"web:1\""); // none runs
        assertThat(text).doesNotContain("taskmaster_process_last_exit_code{group=\"db\""); // never exited
    }

    /** A removed instance leaves the metrics at the reload, and its stop that follows does not bring it back. */
    @Test
    void aRemovedInstanceIsGoneThoughItsProcessStillStops() throws Exception {
        Config before = ConfigLoader.load(Files.writeString(tmp.resolve("a.yaml"), "programs:\n  a: {cmd: sleep 1}\n  b: {cmd: sleep 1}\n"), Map.of());
        Config after = ConfigLoader.load(Files.writeString(tmp.resolve("b.yaml"), "programs:\n  b: {cmd: sleep 1}\n"), Map.of());
        InstanceSpec a = before.instances().getFirst();
        InstanceSpec b = after.instances().getFirst();
        ProcessBoard board = new ProcessBoard();
        board.replaceAll(List.of(running(a), running(b)));
        board.accept(new dev.taskmaster.server.engine.EngineEvent.ConfigReloaded(3, NOW,
                dev.taskmaster.config.ConfigDiff.between(before, after), dev.taskmaster.server.engine.ConfigChange.reload("")));
        board.accept(new dev.taskmaster.server.engine.EngineEvent.StateChanged(4, NOW, "a", ProcessState.RUNNING,
                ProcessState.STOPPING, 10, "removed", Optional.empty(), stopping(a), ""));
        board.accept(new dev.taskmaster.server.engine.EngineEvent.StateChanged(5, NOW, "b", ProcessState.RUNNING,
                ProcessState.STOPPING, 11, "stop", Optional.empty(), stopping(b), ""));
        assertThat(board.processes()).extracting(ProcessSnapshot::name).containsExactly("b");
        assertThat(board.processes()).extracting(ProcessSnapshot::state).containsExactly(ProcessState.STOPPING);
        board.replaceAll(List.of(stopping(a), stopping(b))); // the engine's look while a still stops
        assertThat(board.processes()).extracting(ProcessSnapshot::name).containsExactly("b");
        assertThat(board.eventCounts()).containsEntry("config_reloaded", 1L).containsEntry("state_changed", 2L);
        // Added again later: back.
        board.accept(new dev.taskmaster.server.engine.EngineEvent.ConfigReloaded(6, NOW,
                dev.taskmaster.config.ConfigDiff.between(after, before), dev.taskmaster.server.engine.ConfigChange.reload("")));
        board.accept(new dev.taskmaster.server.engine.EngineEvent.StateChanged(7, NOW, "a", ProcessState.STOPPED,
                ProcessState.STARTING, 12, "start", Optional.empty(), running(a), ""));
        assertThat(board.processes()).extracting(ProcessSnapshot::name).containsExactlyInAnyOrder("a", "b");
    }

    private static ProcessSnapshot running(InstanceSpec i) {
        return new ProcessSnapshot(i, ProcessState.RUNNING, NOW, 10, Optional.of(NOW), 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), 0);
    }

    private static ProcessSnapshot stopping(InstanceSpec i) {
        return new ProcessSnapshot(i, ProcessState.STOPPING, NOW, 10, Optional.of(NOW), 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), 0);
    }

    @Test
    void eventsAreCountedByType() {
        assertThat(ProcessBoard.typeOf(new dev.taskmaster.server.engine.EngineEvent.DaemonStarted(1, NOW, 1, 1)))
                .isEqualTo("daemon_started");
        assertThat(ProcessBoard.typeOf(new dev.taskmaster.server.engine.EngineEvent.ShutdownStarted(2, NOW, "x")))
                .isEqualTo("shutdown_started");
    }

    /** The cost of the collection and the text of 1,000 running processes (each reads /proc), printed for the report. */
    @Test
    void aScrapeOfAThousandProcesses() throws Exception {
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 0; i < 1000; i++) {
            yaml.append("  p").append(i).append(": {cmd: sleep 1}\n");
        }
        List<InstanceSpec> in = instances(yaml.toString());
        int self = (int) ProcessHandle.current().pid();
        List<ProcessSnapshot> snaps = new ArrayList<>();
        Outputs outputs = new Outputs(tmp);
        for (InstanceSpec i : in) {
            snaps.add(new ProcessSnapshot(i, ProcessState.RUNNING, NOW, self, Optional.of(NOW), 1, 0, Optional.empty(),
                    Optional.empty(), Optional.empty(), 0));
            outputs.of(i.name());
        }
        ProcessBoard board = new ProcessBoard();
        board.replaceAll(snaps);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ProcessCollector(board, outputs, Path.of("/proc"), Clock.fixed(NOW, ZoneOffset.UTC)));
        String text = "";
        long[] collect = new long[30];
        long[] total = new long[30];
        long[] cpu = new long[30];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 30; round++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            var snapshots = registry.scrape();
            long t1 = System.nanoTime();
            collect[round] = threads.getCurrentThreadCpuTime() - c0;
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 22);
            PrometheusTextFormatWriter.create().write(out, snapshots, io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
            long t2 = System.nanoTime();
            total[round] = t2 - t0;
            cpu[round] = threads.getCurrentThreadCpuTime() - c0;
            text = out.toString(StandardCharsets.UTF_8);
        }
        java.util.Arrays.sort(collect);
        java.util.Arrays.sort(total);
        java.util.Arrays.sort(cpu);
        System.out.printf("scrape of 1000 processes: collect median %.1f ms CPU, collect+text median %.1f ms wall (min %.1f),"
                + " %.1f ms CPU (min %.1f), %d KiB%n", collect[15] / 1e6, total[15] / 1e6, total[0] / 1e6, cpu[15] / 1e6,
                cpu[0] / 1e6, text.length() / 1024);
        assertThat(text.lines().filter(l -> l.startsWith("taskmaster_process_state{") && l.endsWith("state=\"RUNNING\"} 1.0")).count())
                .isEqualTo(1000);
    }
}
