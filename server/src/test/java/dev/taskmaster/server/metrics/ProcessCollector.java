package dev.taskmaster.server.metrics;

import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.StdStream;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reference for {@link ProcessExposition}: the per-process metrics as the daemon made them
 * with the Prometheus client library's data model before it wrote the text itself (too slow at
 * 1,000 processes). {@code ProcessExpositionTest} checks both give the same series. Built at each scrape from the {@link ProcessBoard}'s snapshots (never
 * the engine thread), the outputs' counters and {@code /proc}. Labels: program, process (the
 * instance's name) and group, all from the configuration, so bounded by it; never a pid.
 *
 * <p>Threading: {@link #collect} from the HTTP server's threads; reads only thread-safe state.
 */
final class ProcessCollector implements MultiCollector {

    private static final ProcessState[] STATES = ProcessState.values();
    private static final HealthStatus[] HEALTH = HealthStatus.values();

    /**
     * The labels of one process, made once: building and sorting label sets is most of a
     * scrape's cost otherwise (23,000 series for 1,000 processes).
     */
    private record ProcessLabels(String program, String group, Labels base, Labels[] states, Labels[] health, Labels[] streams,
            GaugeDataPointSnapshot[][] statePoints) {
        /** The state family's series while the process is in {@code current}: made at the first scrape that sees it so. */
        GaugeDataPointSnapshot[] statePoints(ProcessState current) {
            GaugeDataPointSnapshot[] points = statePoints[current.ordinal()];
            if (points == null) {
                points = new GaugeDataPointSnapshot[STATES.length];
                for (ProcessState s : STATES) {
                    points[s.ordinal()] = GaugeDataPointSnapshot.builder().labels(states[s.ordinal()]).value(s == current ? 1 : 0).build();
                }
                statePoints[current.ordinal()] = points; // racing scrapes make equal arrays: either is right
            }
            return points;
        }

        static ProcessLabels of(String program, String process, String group) {
            Labels base = Labels.of("group", group, "process", process, "program", program);
            Labels[] states = new Labels[STATES.length];
            for (ProcessState s : STATES) {
                states[s.ordinal()] = base.add("state", s.name());
            }
            Labels[] health = new Labels[HEALTH.length];
            for (HealthStatus h : HEALTH) {
                health[h.ordinal()] = base.add("status", h.name());
            }
            Labels[] streams = new Labels[StdStream.values().length];
            for (StdStream s : StdStream.values()) {
                streams[s.ordinal()] = base.add("stream", s.name().toLowerCase(java.util.Locale.ROOT));
            }
            return new ProcessLabels(program, group, base, states, health, streams, new GaugeDataPointSnapshot[STATES.length][]);
        }
    }

    /** By process name; replaced when its program or group changes, dropped when it is gone. */
    private final java.util.Map<String, ProcessLabels> labels = new java.util.concurrent.ConcurrentHashMap<>();
    private final ProcessBoard board;
    private final Outputs outputs;
    private final ProcUsage usage;
    private final Clock clock;

    ProcessCollector(ProcessBoard board, Outputs outputs, Path proc, Clock clock) {
        this.board = board;
        this.outputs = outputs;
        this.usage = new ProcUsage(proc);
        this.clock = clock;
    }

    /** One family being built: its data points in a list, made into a snapshot at the end. */
    private static final class Gauges {
        final GaugeSnapshot.Builder b;

        Gauges(String name, String help, Unit unit) {
            b = GaugeSnapshot.builder().name(name).help(help);
            if (unit != null) {
                b.unit(unit);
            }
        }

        void add(Labels l, double v) {
            b.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(v).build());
        }
    }

    private static final class Counters {
        final CounterSnapshot.Builder b;

        Counters(String name, String help, Unit unit) {
            b = CounterSnapshot.builder().name(name).help(help);
            if (unit != null) {
                b.unit(unit);
            }
        }

        void add(Labels l, double v) {
            b.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(v).build());
        }
    }

    @Override
    public MetricSnapshots collect() {
        Gauges state = new Gauges("taskmaster_process_state",
                "1 for the state the process is in, 0 for the others (one series per state)", null);
        Counters restarts = new Counters("taskmaster_process_restarts",
                "Times the daemon started the process again on its own (autorestart, retries, unhealthy)", null);
        Gauges uptime = new Gauges("taskmaster_process_uptime_seconds",
                "Seconds since the running process was started; 0 when none runs", Unit.SECONDS);
        Gauges exitCode = new Gauges("taskmaster_process_last_exit_code",
                "Exit code of the previous process; -1 when it was killed by a signal or its code is unknown", null);
        Gauges exitSignal = new Gauges("taskmaster_process_last_exit_signal",
                "Signal number that killed the previous process; 0 when it exited by itself", null);
        Gauges health = new Gauges("taskmaster_process_health",
                "1 for the health status of the process, 0 for the others; only processes with a health check", null);
        Counters cpu = new Counters("taskmaster_process_cpu_seconds",
                "CPU time (user + system) of the running process", Unit.SECONDS);
        Gauges rss = new Gauges("taskmaster_process_resident_memory_bytes",
                "Resident memory of the running process", Unit.BYTES);
        Counters outBytes = new Counters("taskmaster_process_output_bytes",
                "Bytes the process wrote on the stream, since the daemon started", Unit.BYTES);
        Counters outLines = new Counters("taskmaster_process_output_lines",
                "Lines (newlines) the process wrote on the stream, since the daemon started", null);
        Counters droppedBytes = new Counters("taskmaster_process_output_dropped_bytes",
                "Bytes of output lost because the log file could not take them (on_log_full: drop)", Unit.BYTES);
        Counters droppedLines = new Counters("taskmaster_process_output_dropped_lines",
                "Lines of output lost because the log file could not take them", null);
        Counters stalls = new Counters("taskmaster_process_log_stalls",
                "Times writing the process's log file stopped (a full disk, an I/O error)", null);
        Counters blocked = new Counters("taskmaster_process_log_blocked_seconds",
                "Time the process was held back because its log could not be written (on_log_full: block)", Unit.SECONDS);
        Gauges stopped = new Gauges("taskmaster_process_log_writing_stopped",
                "1 while the process's log file cannot be written", null);

        Instant now = clock.instant();
        List<ProcessSnapshot> all = new ArrayList<>(board.processes());
        for (ProcessSnapshot p : all) {
            String program = p.spec().program().name();
            String process = p.name();
            String group = p.spec().program().group();
            ProcessLabels pl = labels.get(process);
            if (pl == null || !pl.program().equals(program) || !pl.group().equals(group)) {
                pl = ProcessLabels.of(program, process, group);
                labels.put(process, pl);
            }
            ProcessLabels cached = pl;
            Labels l = pl.base();
            for (GaugeDataPointSnapshot point : pl.statePoints(p.state())) {
                state.b.dataPoint(point);
            }
            restarts.add(l, p.restartCount());
            boolean live = p.pid() > 0;
            uptime.add(l, live && p.startTime().isPresent()
                    ? Math.max(0, Duration.between(p.startTime().get(), now).toMillis() / 1000.0) : 0);
            p.lastExit().ifPresent(x -> {
                switch (x.outcome()) {
                    case ExitOutcome.Exited e -> {
                        exitCode.add(l, e.code());
                        exitSignal.add(l, 0);
                    }
                    case ExitOutcome.Killed k -> {
                        exitCode.add(l, -1);
                        exitSignal.add(l, k.signal().number());
                    }
                    default -> {
                        exitCode.add(l, -1);
                        exitSignal.add(l, 0);
                    }
                }
            });
            p.health().ifPresent(h -> {
                for (HealthStatus s : HEALTH) {
                    health.add(cached.health()[s.ordinal()], h.status() == s ? 1 : 0);
                }
            });
            if (live) {
                Optional.ofNullable(usage.of(p.pid())).ifPresent(u -> {
                    cpu.add(l, u.cpuSeconds());
                    rss.add(l, u.rssBytes());
                });
            }
            Optional<ProcessOutput> out = outputs == null ? Optional.empty() : outputs.find(process);
            out.ifPresent(o -> {
                for (StdStream s : StdStream.values()) {
                    Labels ls = cached.streams()[s.ordinal()];
                    outBytes.add(ls, o.bytesRead(s));
                    outLines.add(ls, o.linesRead(s));
                }
                droppedBytes.add(l, o.bytesDropped());
                droppedLines.add(l, o.linesDropped());
                stalls.add(l, o.logStalls());
                blocked.add(l, o.timeBlocked().toNanos() / 1e9);
                stopped.add(l, o.logWritingStopped().isPresent() ? 1 : 0);
            });
        }
        if (labels.size() > all.size()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            all.forEach(p -> names.add(p.name()));
            labels.keySet().retainAll(names);
        }
        return MetricSnapshots.of(state.b.build(), restarts.b.build(), uptime.b.build(), exitCode.b.build(),
                exitSignal.b.build(), health.b.build(), cpu.b.build(), rss.b.build(), outBytes.b.build(),
                outLines.b.build(), droppedBytes.b.build(), droppedLines.b.build(), stalls.b.build(), blocked.b.build(),
                stopped.b.build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("taskmaster_process_state", "taskmaster_process_restarts", "taskmaster_process_uptime_seconds",
                "taskmaster_process_last_exit_code", "taskmaster_process_last_exit_signal", "taskmaster_process_health",
                "taskmaster_process_cpu_seconds", "taskmaster_process_resident_memory_bytes",
                "taskmaster_process_output_bytes", "taskmaster_process_output_lines",
                "taskmaster_process_output_dropped_bytes", "taskmaster_process_output_dropped_lines",
                "taskmaster_process_log_stalls", "taskmaster_process_log_blocked_seconds",
                "taskmaster_process_log_writing_stopped");
    }
}
