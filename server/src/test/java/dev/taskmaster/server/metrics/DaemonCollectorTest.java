package dev.taskmaster.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.notify.NotifyCounters;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DaemonCollectorTest {

    private static String scrape(PrometheusRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void notificationsAreCountedByRuleTargetAndResultAsTheNotifierCountsThem() throws Exception {
        DaemonCollector collector = new DaemonCollector(new ProcessBoard(), () -> null, "default", "1.0", Instant.EPOCH);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        assertThat(scrape(registry)).as("no notifier, no family").doesNotContain("taskmaster_notifications");

        AtomicReference<List<NotifyCounters.Row>> rows = new AtomicReference<>(List.of(
                new NotifyCounters.Row("ops-mail", "email", 3, 1, 0), new NotifyCounters.Row("hook", "webhook", 7, 0, 2)));
        collector.countNotifications(rows::get);
        String text = scrape(registry);
        assertThat(text).contains(
                "taskmaster_notifications_total{result=\"delivered\",rule=\"ops-mail\",target=\"email\"} 3.0",
                "taskmaster_notifications_total{result=\"failed\",rule=\"ops-mail\",target=\"email\"} 1.0",
                "taskmaster_notifications_total{result=\"dropped\",rule=\"hook\",target=\"webhook\"} 2.0",
                "taskmaster_notifications_total{result=\"delivered\",rule=\"hook\",target=\"webhook\"} 7.0");

        rows.set(List.of(new NotifyCounters.Row("hook", "webhook", 8, 0, 2)));
        assertThat(scrape(registry)).as("read at each scrape")
                .contains("taskmaster_notifications_total{result=\"delivered\",rule=\"hook\",target=\"webhook\"} 8.0")
                .doesNotContain("ops-mail");
    }
}
