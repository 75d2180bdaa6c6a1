package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code depends_on} through the real binaries, a chain of three: a {@code migrate} one-shot that
 * exits 0 when the test lets it, a {@code db} that waits for it and has a heartbeat health check
 * it passes once the test lets it, and a {@code web} that waits for both. {@code taskmasterctl
 * status} shows each wait, the event journal the order of the starts, the daemon log the reverse
 * order of the stops at shutdown.
 */
class DependenciesIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static String row(BinProcess.Result status, String name) {
        return status.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    private void awaitRow(String name, String pattern) throws Exception {
        BinProcess.Result[] last = new BinProcess.Result[1];
        try {
            dev.taskmaster.testkit.Poll.until(name + " to match " + pattern, LIMIT, () -> {
                try {
                    last[0] = ctl("status");
                } catch (Exception e) {
                    throw new IllegalStateException("taskmasterctl status failed", e);
                }
                return row(last[0], name).matches(pattern);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
    }

    /** The state changes of the journal, in order, as {@code name FROM -> TO}. */
    private List<String> transitions() throws Exception {
        BinProcess.Result events = ctl("events", "--since", "1");
        assertThat(events.code()).as("events: %s", events).isEqualTo(0);
        java.util.regex.Pattern change = java.util.regex.Pattern.compile("^#\\d+ \\S+ \\S+ (\\S+) ([A-Z]+) -> ([A-Z]+).*");
        return events.out().lines().map(change::matcher).filter(java.util.regex.Matcher::matches)
                .map(m -> m.group(1) + " " + m.group(2) + " -> " + m.group(3)).toList();
    }

    @Test
    void aChainOfThreeWaitsVisiblyStartsInOrderAndStopsInReverse() throws Exception {
        Path migrated = tmp.resolve("let-migrate-finish");
        Path dbReady = tmp.resolve("let-db-beat");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                programs:
                  web:
                    cmd: sleep 1000
                    starttime: 0
                    depends_on: {db: healthy, migrate: completed_successfully}
                  db:
                    cmd: "sh -c 'while test ! -e %s; do sleep 0.05; done; while true; do touch \\"$TASKMASTER_HEARTBEAT_FILE\\"; sleep 0.2; done'"
                    starttime: 0
                    stoptime: 2s
                    depends_on: {migrate: completed_successfully}
                    health_check: {heartbeat_file: %s, max_age: 1s, interval: 200ms, retries: 1}
                  migrate:
                    cmd: "sh -c 'while test ! -e %s; do sleep 0.05; done; exit 0'"
                    starttime: 0
                    autorestart: never
                """.formatted(dbReady, tmp.resolve("db.beat"), migrated));
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        try (daemon) {
            awaitRow("migrate", "migrate +RUNNING .*");
            awaitRow("db", "db +SCHEDULED .*waiting for migrate to complete successfully");
            awaitRow("web", "web +SCHEDULED .*waiting for db to be healthy; waiting for migrate to complete successfully");
            BinProcess.Result json = ctl("status", "--json", "web");
            assertThat(json.out()).contains("\"dependencies\":[").contains("\"satisfied\":false");

            Files.writeString(migrated, "");
            awaitRow("migrate", "migrate +EXITED .*");
            awaitRow("db", "db +RUNNING +(STARTING|UNHEALTHY) .*"); // not beating yet
            awaitRow("web", "web +SCHEDULED .*waiting for db to be healthy");
            assertThat(row(ctl("status"), "web")).doesNotContain("migrate");

            Files.writeString(dbReady, "");
            awaitRow("db", "db +RUNNING +HEALTHY .*");
            awaitRow("web", "web +RUNNING .*");

            List<String> changes = transitions();
            assertThat(changes).containsSubsequence("migrate STOPPED -> STARTING", "db STOPPED -> SCHEDULED",
                    "web STOPPED -> SCHEDULED", "migrate RUNNING -> EXITED", "db SCHEDULED -> STARTING",
                    "web SCHEDULED -> STARTING");
            assertThat(changes.indexOf("db SCHEDULED -> STARTING")).isGreaterThan(changes.indexOf("migrate RUNNING -> EXITED"));

            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
        List<String> log = Files.readAllLines(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
        int webStopped = indexOf(log, "web: STOPPING -> STOPPED");
        int dbStopping = indexOf(log, "db: RUNNING -> STOPPING");
        assertThat(webStopped).as("web stops first: %s", log).isGreaterThanOrEqualTo(0);
        assertThat(dbStopping).as("db stops once web is down: %s", log).isGreaterThan(webStopped);
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
