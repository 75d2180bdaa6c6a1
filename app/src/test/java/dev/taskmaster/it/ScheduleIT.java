package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start_delay and cron through the real binaries: bin/taskmasterd (in a time zone of its own,
 * from TZ) holds a delayed program SCHEDULED and then starts it, a stopped one never, and shows a
 * cron program SCHEDULED for its next time in that zone; bin/taskmasterctl shows both in
 * {@code status} and {@code status --json}. A cron time every minute would be too slow to wait
 * for here: the engine tests drive cron runs on a manual clock.
 */
class ScheduleIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final ZoneId DAEMON_ZONE = ZoneId.of("America/New_York");
    static final Pattern NEXT = Pattern.compile("\"nextStartTime\":\"([^\"]+)\"");
    static final Pattern STARTED = Pattern.compile("\"startTime\":\"([^\"]+)\"");

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1", "TZ", DAEMON_ZONE.getId());
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static String row(BinProcess.Result status, String name) {
        return status.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    private static Instant field(Pattern p, String json) {
        Matcher m = p.matcher(json);
        assertThat(m.find()).as(p + " in " + json).isTrue();
        return Instant.parse(m.group(1));
    }

    private BinProcess.Result awaitRow(String name, String pattern) throws Exception {
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
        return last[0];
    }

    @Test
    void aDelayedProgramIsScheduledThenRunsAndACronProgramShowsItsNextTime() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                programs:
                  late:
                    cmd: sleep 1000
                    starttime: 0
                    start_delay: 20s
                  held:
                    cmd: sleep 1000
                    starttime: 0
                    start_delay: 20s
                  job:
                    cmd: sleep 1000
                    cron: "7 3 1 1 *"
                """);
        Instant before = Instant.now();
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            awaitRow("late", "late +SCHEDULED +.*");
            // One call as early as can be, with the time: the rest of the checks need not race the delay.
            BinProcess.Result late = ctl("status", "--json", "late");
            assertThat(late.code()).as("not running: exit 3").isEqualTo(3);
            assertThat(late.out()).contains("\"state\":\"SCHEDULED\"");
            Instant due = field(NEXT, late.out());
            assertThat(due).isBetween(before.plusSeconds(20), Instant.now().plusSeconds(20));
            assertThat(ctl("stop", "held").code()).isEqualTo(0);
            BinProcess.Result status = ctl("status");
            assertThat(row(status, "late")).matches("late +SCHEDULED +.*start_delay 20 s; starts in 0:00:[01][0-9]");
            assertThat(row(status, "job")).matches("job +SCHEDULED +.*cron \"7 3 1 1 \\*\"; starts in [0-9]+:[0-9]{2}:[0-9]{2}");
            assertThat(row(status, "held")).matches("held +STOPPED +.*");

            // Its next time in the daemon's zone (TZ), worked out here without the daemon's code.
            Instant now = Instant.now();
            LocalDateTime local = LocalDateTime.of(now.atZone(DAEMON_ZONE).getYear(), 1, 1, 3, 7);
            Instant expected = local.atZone(DAEMON_ZONE).toInstant();
            if (!expected.isAfter(now)) {
                expected = local.plusYears(1).atZone(DAEMON_ZONE).toInstant();
            }
            BinProcess.Result job = ctl("status", "--json", "job");
            assertThat(job.out()).contains("\"state\":\"SCHEDULED\"");
            assertThat(field(NEXT, job.out())).isEqualTo(expected);

            awaitRow("late", "late +RUNNING +.*");
            BinProcess.Result running = ctl("status", "--json", "late");
            assertThat(running.out()).contains("\"nextStartTime\":null");
            // Started when due, not before (the timer runs on the monotonic clock: a little slack for the wall clock).
            assertThat(field(STARTED, running.out())).isAfterOrEqualTo(due.minusMillis(50));
            assertThat(row(ctl("status"), "held")).matches("held +STOPPED +.*");
            assertThat(ctl("events", "--since", "1", "held").out()).contains("scheduled start cancelled (start_delay 20 s)");
        }
    }
}
