package dev.taskmaster.server.metrics;

import dev.taskmaster.server.log.DaemonLog;
import dev.taskmaster.server.syslog.SyslogSender;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The daemon's own metrics: events by type, the daemon log's losses, syslog's deliveries, what
 * the daemon is and since when. Read from counters at each scrape.
 *
 * <p>Threading: {@link #collect} from the HTTP server's threads; reads only thread-safe state.
 */
final class DaemonCollector implements MultiCollector {

    private final ProcessBoard board;
    private final java.util.function.Supplier<SyslogSender> syslog;
    private final String instance;
    private final String version;
    private final Instant started;
    /** The notifier's counters by rule; none until the daemon has a notifier. */
    private volatile java.util.function.Supplier<List<dev.taskmaster.server.notify.NotifyCounters.Row>> notifications = List::of;

    /** @param syslog the syslog sender, or null while nothing went to syslog */
    DaemonCollector(ProcessBoard board, java.util.function.Supplier<SyslogSender> syslog, String instance, String version, Instant started) {
        this.board = board;
        this.syslog = syslog;
        this.instance = instance;
        this.version = version;
        this.started = started;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name("taskmaster_daemon").help("The daemon: its instance name and version")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("instance_name", instance, "version", version)).build()).build());
        out.add(gauge("taskmaster_daemon_start_time_seconds", "When the daemon started (Unix time), re-executions included",
                Unit.SECONDS, started.toEpochMilli() / 1000.0));
        CounterSnapshot.Builder events = CounterSnapshot.builder().name("taskmaster_events")
                .help("Events the daemon journaled (and rejected configurations announced), by type");
        for (Map.Entry<String, Long> e : board.eventCounts().entrySet()) {
            events.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("type", e.getKey())).value(e.getValue()).build());
        }
        out.add(events.build());
        out.add(counter("taskmaster_daemon_log_lost_lines", "Lines of the daemon log lost while its file could not be written",
                null, DaemonLog.lostLines()));
        out.add(counter("taskmaster_daemon_log_stalls", "Times writing the daemon log's file stopped", null, DaemonLog.stalls()));
        // The output rings' memory budget (output.RingBudget): how near it is, and how often it held a ring back.
        dev.taskmaster.server.output.RingBudget rings = dev.taskmaster.server.output.RingBudget.shared();
        out.add(gauge("taskmaster_output_ring_bytes", "Memory the output rings (tail and attach history) take together",
                Unit.BYTES, rings.allocated()));
        out.add(gauge("taskmaster_output_ring_budget_bytes", "The most memory the output rings may take together",
                Unit.BYTES, rings.limit()));
        out.add(counter("taskmaster_output_ring_capped", "Times an output ring was kept smaller than its output_buffer"
                + " because the rings' budget was reached", null, rings.capped()));
        SyslogSender syslog = this.syslog.get();
        if (syslog != null) {
            CounterSnapshot.Builder lines = CounterSnapshot.builder().name("taskmaster_syslog_lines")
                    .help("Lines meant for syslog, by result: sent, dropped (queue full), undelivered (no socket, refused)");
            lines.dataPoint(point("result", "sent", syslog.sent()));
            lines.dataPoint(point("result", "dropped", syslog.dropped()));
            lines.dataPoint(point("result", "undelivered", syslog.undelivered()));
            out.add(lines.build());
            out.add(gauge("taskmaster_syslog_queue_lines", "Lines waiting to be sent to syslog", null, syslog.queued()));
        }
        List<dev.taskmaster.server.notify.NotifyCounters.Row> rules = notifications.get();
        if (!rules.isEmpty()) {
            CounterSnapshot.Builder sent = CounterSnapshot.builder().name("taskmaster_notifications")
                    .help("Notification messages by rule, target kind and result: delivered, failed (for good: permanent"
                            + " or out of retries), dropped (the rule's queue was full)");
            for (dev.taskmaster.server.notify.NotifyCounters.Row r : rules) {
                sent.dataPoint(notification(r, "delivered", r.delivered()));
                sent.dataPoint(notification(r, "failed", r.failed()));
                sent.dataPoint(notification(r, "dropped", r.dropped()));
            }
            out.add(sent.build());
        }
        return new MetricSnapshots(out);
    }

    /** Where the counters of notifications are read from at each scrape. */
    void countNotifications(java.util.function.Supplier<List<dev.taskmaster.server.notify.NotifyCounters.Row>> rows) {
        notifications = rows;
    }

    private static CounterDataPointSnapshot notification(dev.taskmaster.server.notify.NotifyCounters.Row r, String result, long n) {
        return CounterDataPointSnapshot.builder().labels(Labels.of("rule", r.rule(), "target", r.target(), "result", result))
                .value(n).build();
    }

    private static CounterDataPointSnapshot point(String label, String value, double v) {
        return CounterDataPointSnapshot.builder().labels(Labels.of(label, value)).value(v).build();
    }

    private static MetricSnapshot gauge(String name, String help, Unit unit, double value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        if (unit != null) {
            b.unit(unit);
        }
        return b.dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static MetricSnapshot counter(String name, String help, Unit unit, double value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        if (unit != null) {
            b.unit(unit);
        }
        return b.dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("taskmaster_daemon", "taskmaster_daemon_start_time_seconds", "taskmaster_events",
                "taskmaster_daemon_log_lost_lines", "taskmaster_daemon_log_stalls", "taskmaster_syslog_lines",
                "taskmaster_syslog_queue_lines", "taskmaster_notifications");
    }
}
