package dev.taskmaster.server.metrics;

import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.StdStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-process metrics, written straight in the Prometheus text format (version 0.0.4) from
 * the {@link ProcessBoard}'s snapshots (never the engine thread), the outputs' counters and
 * {@code /proc}. Labels: program, process (the instance's name) and group, all from the
 * configuration, so bounded by it; never a pid.
 *
 * <p>Why not the client library's collector: 1,000 processes make 23,000 series, and building a
 * data point object, a label set and its validation for each, then formatting each label again,
 * cost 130 to 240 ms per scrape on a daemon that runs the C1 compiler only. Here each process's
 * lines that depend on its snapshot alone (the ten state series, restarts, last exit, health) are
 * rendered once per snapshot, as bytes, and copied while the snapshot stays the same; its label
 * set is escaped once. Only the numbers that move between scrapes (uptime, CPU, memory, output
 * counters) are formatted each time. The text is the same the library wrote, series for series
 * ({@code ProcessExpositionTest} compares them).
 *
 * <p>Threading: {@link #write} one scrape at a time (the caller serialises them); reads only
 * thread-safe state of others.
 */
final class ProcessExposition {

    private static final ProcessState[] STATES = ProcessState.values();
    private static final HealthStatus[] HEALTH = HealthStatus.values();
    private static final StdStream[] STREAMS = StdStream.values();

    /** A metric family: its name as series carry it, and its two comment lines. */
    record Family(String name, byte[] nameBytes, byte[] header) {
        static Family gauge(String name, String help) {
            return new Family(name, TextBuffer.utf8(name), header(name, help, "gauge"));
        }

        static Family counter(String base, String help) {
            String name = base + "_total";
            return new Family(name, TextBuffer.utf8(name), header(name, help, "counter"));
        }

        private static byte[] header(String name, String help, String type) {
            return TextBuffer.utf8("# HELP " + name + " " + help.replace("\\", "\\\\").replace("\n", "\\n") + "\n# TYPE "
                    + name + " " + type + "\n");
        }
    }

    static final Family STATE = Family.gauge("taskmaster_process_state",
            "1 for the state the process is in, 0 for the others (one series per state)");
    static final Family RESTARTS = Family.counter("taskmaster_process_restarts",
            "Times the daemon started the process again on its own (autorestart, retries, unhealthy)");
    static final Family UPTIME = Family.gauge("taskmaster_process_uptime_seconds",
            "Seconds since the running process was started; 0 when none runs");
    static final Family EXIT_CODE = Family.gauge("taskmaster_process_last_exit_code",
            "Exit code of the previous process; -1 when it was killed by a signal or its code is unknown");
    static final Family EXIT_SIGNAL = Family.gauge("taskmaster_process_last_exit_signal",
            "Signal number that killed the previous process; 0 when it exited by itself");
    static final Family HEALTH_STATUS = Family.gauge("taskmaster_process_health",
            "1 for the health status of the process, 0 for the others; only processes with a health check");
    static final Family CPU = Family.counter("taskmaster_process_cpu_seconds",
            "CPU time (user + system) of the running process");
    static final Family RSS = Family.gauge("taskmaster_process_resident_memory_bytes",
            "Resident memory of the running process");
    static final Family OUT_BYTES = Family.counter("taskmaster_process_output_bytes",
            "Bytes the process wrote on the stream, since the daemon started");
    static final Family OUT_LINES = Family.counter("taskmaster_process_output_lines",
            "Lines (newlines) the process wrote on the stream, since the daemon started");
    static final Family DROPPED_BYTES = Family.counter("taskmaster_process_output_dropped_bytes",
            "Bytes of output lost because the log file could not take them (on_log_full: drop)");
    static final Family DROPPED_LINES = Family.counter("taskmaster_process_output_dropped_lines",
            "Lines of output lost because the log file could not take them");
    static final Family STALLS = Family.counter("taskmaster_process_log_stalls",
            "Times writing the process's log file stopped (a full disk, an I/O error)");
    static final Family BLOCKED = Family.counter("taskmaster_process_log_blocked_seconds",
            "Time the process was held back because its log could not be written (on_log_full: block)");
    static final Family STOPPED = Family.gauge("taskmaster_process_log_writing_stopped",
            "1 while the process's log file cannot be written");

    /** Every family, in the order written. */
    static final List<Family> FAMILIES = List.of(STATE, RESTARTS, UPTIME, EXIT_CODE, EXIT_SIGNAL, HEALTH_STATUS, CPU, RSS,
            OUT_BYTES, OUT_LINES, DROPPED_BYTES, DROPPED_LINES, STALLS, BLOCKED, STOPPED);

    private static final byte[] NO_LINES = new byte[0];

    /** One process: its label set escaped once, the lines of its last snapshot, what this scrape read. */
    private static final class Entry {
        final String program;
        final String group;
        /** {@code {group="g",process="p",program="x"} without the closing brace, to which a label may be added. */
        final byte[] labels;
        /** By the state the process is in: the state family's ten lines, made the first time it is in it. */
        final byte[][] stateLines = new byte[STATES.length][];
        final byte[][] healthLines = new byte[HEALTH.length][];
        final byte[][] streamLabels = new byte[STREAMS.length][];
        ProcessSnapshot rendered;
        byte[] restarts;
        byte[] exitCode;
        byte[] exitSignal;
        // This scrape's readings.
        ProcessSnapshot now;
        ProcUsage.Usage usage;
        ProcessOutput output;

        Entry(String program, String process, String group) {
            this.program = program;
            this.group = group;
            String base = "{group=\"" + TextBuffer.escape(group) + "\",process=\"" + TextBuffer.escape(process)
                    + "\",program=\"" + TextBuffer.escape(program) + "\"";
            this.labels = TextBuffer.utf8(base);
            for (StdStream s : STREAMS) {
                streamLabels[s.ordinal()] = TextBuffer.utf8(base + ",stream=\"" + s.name().toLowerCase(Locale.ROOT) + "\"} ");
            }
        }

        /** The lines that only the snapshot decides, made again only when the snapshot is another. */
        void render(ProcessSnapshot p, TextBuffer scratch) {
            if (p == rendered) {
                return;
            }
            restarts = line(RESTARTS, p.restartCount(), scratch);
            exitCode = NO_LINES;
            exitSignal = NO_LINES;
            if (p.lastExit().isPresent()) {
                double code = -1;
                double signal = 0;
                switch (p.lastExit().get().outcome()) {
                    case ExitOutcome.Exited e -> code = e.code();
                    case ExitOutcome.Killed k -> signal = k.signal().number();
                    default -> { }
                }
                exitCode = line(EXIT_CODE, code, scratch);
                exitSignal = line(EXIT_SIGNAL, signal, scratch);
            }
            rendered = p;
        }

        byte[] stateLines(ProcessState current, TextBuffer scratch) {
            byte[] lines = stateLines[current.ordinal()];
            if (lines == null) {
                scratch.reset();
                for (ProcessState s : STATES) {
                    scratch.write(STATE.nameBytes());
                    scratch.write(labels);
                    scratch.ascii(",state=\"").ascii(s.name()).ascii("\"} ").value(s == current ? 1 : 0).write('\n');
                }
                lines = java.util.Arrays.copyOf(scratch.array(), scratch.size());
                stateLines[current.ordinal()] = lines;
            }
            return lines;
        }

        byte[] healthLines(HealthStatus current, TextBuffer scratch) {
            byte[] lines = healthLines[current.ordinal()];
            if (lines == null) {
                scratch.reset();
                for (HealthStatus s : HEALTH) {
                    scratch.write(HEALTH_STATUS.nameBytes());
                    scratch.write(labels);
                    scratch.ascii(",status=\"").ascii(s.name()).ascii("\"} ").value(s == current ? 1 : 0).write('\n');
                }
                lines = java.util.Arrays.copyOf(scratch.array(), scratch.size());
                healthLines[current.ordinal()] = lines;
            }
            return lines;
        }

        private byte[] line(Family f, double value, TextBuffer scratch) {
            scratch.reset();
            scratch.write(f.nameBytes());
            scratch.write(labels);
            scratch.ascii("} ").value(value).write('\n');
            return java.util.Arrays.copyOf(scratch.array(), scratch.size());
        }
    }

    /** By process name; replaced when its program or group changes, dropped when it is gone. */
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<Entry> order = new ArrayList<>();
    private final ProcessBoard board;
    private final Outputs outputs;
    private final ProcUsage usage;
    private final Clock clock;
    private final TextBuffer scratch = new TextBuffer(2048);

    ProcessExposition(ProcessBoard board, Outputs outputs, ProcUsage usage, Clock clock) {
        this.board = board;
        this.outputs = outputs;
        this.usage = usage;
        this.clock = clock;
    }

    /** Appends every per-process family to {@code out}; a family without series is left out, as the library does. */
    synchronized void write(TextBuffer out) {
        long nowMillis = clock.millis();
        read();
        family(out, STATE, e -> out.write(e.stateLines(e.now.state(), scratch)));
        family(out, RESTARTS, e -> out.write(e.restarts));
        family(out, UPTIME, e -> {
            ProcessSnapshot p = e.now;
            double up = p.pid() > 0 && p.startTime().isPresent()
                    ? Math.max(0, nowMillis - p.startTime().get().toEpochMilli()) / 1000.0 : 0;
            series(out, UPTIME, e, up);
        });
        family(out, EXIT_CODE, e -> out.write(e.exitCode));
        family(out, EXIT_SIGNAL, e -> out.write(e.exitSignal));
        family(out, HEALTH_STATUS, e -> e.now.health().ifPresent(h -> out.write(e.healthLines(h.status(), scratch))));
        family(out, CPU, e -> {
            if (e.usage != null) {
                series(out, CPU, e, e.usage.cpuSeconds());
            }
        });
        family(out, RSS, e -> {
            if (e.usage != null) {
                series(out, RSS, e, e.usage.rssBytes());
            }
        });
        family(out, OUT_BYTES, e -> {
            if (e.output != null) {
                for (StdStream s : STREAMS) {
                    out.write(OUT_BYTES.nameBytes());
                    out.write(e.streamLabels[s.ordinal()]);
                    out.value(e.output.bytesRead(s)).write('\n');
                }
            }
        });
        family(out, OUT_LINES, e -> {
            if (e.output != null) {
                for (StdStream s : STREAMS) {
                    out.write(OUT_LINES.nameBytes());
                    out.write(e.streamLabels[s.ordinal()]);
                    out.value(e.output.linesRead(s)).write('\n');
                }
            }
        });
        family(out, DROPPED_BYTES, e -> {
            if (e.output != null) {
                series(out, DROPPED_BYTES, e, e.output.bytesDropped());
            }
        });
        family(out, DROPPED_LINES, e -> {
            if (e.output != null) {
                series(out, DROPPED_LINES, e, e.output.linesDropped());
            }
        });
        family(out, STALLS, e -> {
            if (e.output != null) {
                series(out, STALLS, e, e.output.logStalls());
            }
        });
        family(out, BLOCKED, e -> {
            if (e.output != null) {
                series(out, BLOCKED, e, e.output.timeBlocked().toNanos() / 1e9);
            }
        });
        family(out, STOPPED, e -> {
            if (e.output != null) {
                series(out, STOPPED, e, e.output.logWritingStopped().isPresent() ? 1 : 0);
            }
        });
        for (Entry e : order) {
            e.now = null;
            e.usage = null;
            e.output = null;
        }
    }

    /** This scrape's snapshot, /proc reading and output of every process, in the order of their names. */
    private void read() {
        order.clear();
        for (ProcessSnapshot p : board.processes()) {
            String program = p.spec().program().name();
            String group = p.spec().program().group();
            Entry e = entries.get(p.name());
            if (e == null || !e.program.equals(program) || !e.group.equals(group)) {
                e = new Entry(program, p.name(), group);
                entries.put(p.name(), e);
            }
            e.now = p;
            e.render(p, scratch);
            e.usage = p.pid() > 0 ? usage.of(p.pid()) : null;
            e.output = outputs == null ? null : outputs.find(p.name()).orElse(null);
            order.add(e);
        }
        if (entries.size() > order.size()) {
            entries.values().removeIf(e -> e.now == null);
        }
        order.sort(BY_LABELS);
    }

    private static final Comparator<Entry> BY_LABELS = (a, b) -> java.util.Arrays.compare(a.labels, b.labels);

    private interface Series {
        void write(Entry e);
    }

    private void family(TextBuffer out, Family f, Series series) {
        int headerAt = out.size();
        out.write(f.header());
        int linesAt = out.size();
        for (Entry e : order) {
            series.write(e);
        }
        if (out.size() == linesAt) {
            out.truncate(headerAt); // no series: no family
        }
    }

    private static void series(TextBuffer out, Family f, Entry e, double value) {
        out.write(f.nameBytes());
        out.write(e.labels);
        out.write('}');
        out.write(' ');
        out.value(value).write('\n');
    }
}
