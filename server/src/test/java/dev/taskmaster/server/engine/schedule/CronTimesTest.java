package dev.taskmaster.server.engine.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.CronExpression;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Next-run computation: fields, month ends, leap days, and both daylight-saving changes, in
 * zones given explicitly (the daemon's own zone is not used).
 */
class CronTimesTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    /** Clocks go forward on 2026-03-08 (02:00 EST → 03:00 EDT) and back on 2026-11-01 (02:00 EDT → 01:00 EST). */
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    /** Clocks go forward on 2026-03-29 (02:00 CET → 03:00 CEST) and back on 2026-10-25 (03:00 CEST → 02:00 CET). */
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static Instant next(String cron, Instant after, ZoneId zone) {
        return CronTimes.next(CronExpression.parse(cron), after, zone).orElseThrow();
    }

    /** The next {@code n} runs after {@code from}, as instants. */
    private static List<Instant> runs(String cron, Instant from, ZoneId zone, int n) {
        List<Instant> out = new ArrayList<>();
        Instant t = from;
        for (int i = 0; i < n; i++) {
            t = next(cron, t, zone);
            out.add(t);
        }
        return out;
    }

    private static Instant at(String local, ZoneId zone) {
        return LocalDateTime.parse(local).atZone(zone).toInstant();
    }

    private static Instant utc(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void nextIsStrictlyAfterAndOnTheMinute() {
        assertThat(next("* * * * *", utc("2026-11-22T10:00:00Z"), UTC)).isEqualTo(utc("2026-11-22T10:01:00Z"));
        assertThat(next("* * * * *", utc("2026-11-22T10:00:59.999Z"), UTC)).isEqualTo(utc("2026-11-22T10:01:00Z"));
        assertThat(next("*/5 * * * *", utc("2026-11-22T10:03:00Z"), UTC)).isEqualTo(utc("2026-11-22T10:05:00Z"));
        assertThat(next("*/5 * * * *", utc("2026-11-22T10:05:00Z"), UTC)).isEqualTo(utc("2026-11-22T10:10:00Z"));
        assertThat(next("0 9 * * MON-FRI", utc("2026-11-20T09:00:00Z"), UTC)).isEqualTo(utc("2026-11-23T09:00:00Z"));
        assertThat(next("@yearly", utc("2026-11-22T10:00:00Z"), UTC)).isEqualTo(utc("2027-01-01T00:00:00Z"));
        assertThat(next("@weekly", utc("2026-11-22T00:00:00Z"), UTC)).isEqualTo(utc("2026-11-29T00:00:00Z"));
    }

    @Test
    void theDayFieldsFollowTheOrRule() {
        // The 13th or any Friday: Fri 2026-11-20, then Fri 27th, then Sun 2026-12-13 comes after Fri 4th and 11th.
        assertThat(runs("0 0 13 * FRI", utc("2026-11-14T00:00:00Z"), UTC, 5)).containsExactly(
                utc("2026-11-20T00:00:00Z"), utc("2026-11-27T00:00:00Z"), utc("2026-12-04T00:00:00Z"),
                utc("2026-12-11T00:00:00Z"), utc("2026-12-13T00:00:00Z"));
        // When one of them starts with * (here "*/1"), both must match: every Friday.
        assertThat(next("0 0 */1 * FRI", utc("2026-11-14T00:00:00Z"), UTC)).isEqualTo(utc("2026-11-20T00:00:00Z"));
    }

    @Test
    void theLastDaysOfMonthsAndLeapDays() {
        // The 31st: only months that have one.
        assertThat(runs("0 12 31 * *", utc("2026-01-31T12:00:00Z"), UTC, 3)).containsExactly(
                utc("2026-03-31T12:00:00Z"), utc("2026-05-31T12:00:00Z"), utc("2026-07-31T12:00:00Z"));
        // Feb 29: leap years only (2028, 2032), and 2100 is not one.
        assertThat(runs("0 0 29 2 *", utc("2026-11-22T00:00:00Z"), UTC, 2)).containsExactly(
                utc("2028-02-29T00:00:00Z"), utc("2032-02-29T00:00:00Z"));
        assertThat(next("0 0 29 2 *", utc("2096-03-01T00:00:00Z"), UTC)).isEqualTo(utc("2104-02-29T00:00:00Z"));
        // The 30th of "every month" skips February.
        assertThat(next("0 0 30 * *", utc("2026-01-30T00:00:00Z"), UTC)).isEqualTo(utc("2026-03-30T00:00:00Z"));
        // Year end.
        assertThat(next("59 23 31 12 *", utc("2026-12-31T23:59:00Z"), UTC)).isEqualTo(utc("2027-12-31T23:59:00Z"));
    }

    @Test
    void aFixedTimeInTheSpringGapRunsOnceAtTheEndOfTheGap() {
        // 02:30 does not exist in New York on 2026-03-08: it runs at 03:00 EDT (07:00Z), then 02:30 EST the next day.
        assertThat(runs("30 2 * * *", at("2026-03-07T03:00", NEW_YORK), NEW_YORK, 3)).containsExactly(
                utc("2026-03-08T07:00:00Z"), utc("2026-03-09T06:30:00Z"), utc("2026-03-10T06:30:00Z"));
        // Several times in the gap make one run; a fixed time after it still runs.
        assertThat(runs("0,15,30,45 2,3 * * *", at("2026-03-08T01:50", NEW_YORK), NEW_YORK, 4)).containsExactly(
                utc("2026-03-08T07:00:00Z"), utc("2026-03-08T07:15:00Z"), utc("2026-03-08T07:30:00Z"),
                utc("2026-03-08T07:45:00Z"));
        assertThat(next("30 2 * * *", at("2026-03-29T01:00", PARIS), PARIS)).isEqualTo(utc("2026-03-29T01:00:00Z"));
    }

    @Test
    void aWildcardJobSkipsTheSpringGap() {
        // Every 30 minutes by real time: 01:30 EST, then 03:00 EDT (the hour 02:xx does not exist).
        assertThat(runs("*/30 * * * *", at("2026-03-08T01:00", NEW_YORK), NEW_YORK, 3)).containsExactly(
                utc("2026-03-08T06:30:00Z"), utc("2026-03-08T07:00:00Z"), utc("2026-03-08T07:30:00Z"));
        assertThat(runs("30 * * * *", at("2026-03-08T01:00", NEW_YORK), NEW_YORK, 2)).containsExactly(
                utc("2026-03-08T06:30:00Z"), utc("2026-03-08T07:30:00Z"));
    }

    @Test
    void aFixedTimeInTheFallBackRepeatRunsOnce() {
        // 01:30 happens twice in New York on 2026-11-01 (EDT 05:30Z, EST 06:30Z): it runs at the first only.
        assertThat(runs("30 1 * * *", at("2026-10-31T12:00", NEW_YORK), NEW_YORK, 2)).containsExactly(
                utc("2026-11-01T05:30:00Z"), utc("2026-11-02T06:30:00Z"));
        // Asked from inside the repeat (01:10 EST, after the first 01:30): not again that day.
        assertThat(next("30 1 * * *", utc("2026-11-01T06:10:00Z"), NEW_YORK)).isEqualTo(utc("2026-11-02T06:30:00Z"));
        // Paris repeats 02:00–02:59: 02:30 CEST (00:30Z) only.
        assertThat(runs("30 2 * * *", at("2026-10-24T12:00", PARIS), PARIS, 2)).containsExactly(
                utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z"));
    }

    @Test
    void aWildcardJobRunsInBothCopiesOfTheRepeatedHour() {
        assertThat(runs("*/30 * * * *", at("2026-11-01T00:45", NEW_YORK), NEW_YORK, 5)).containsExactly(
                utc("2026-11-01T05:00:00Z"), // 01:00 EDT
                utc("2026-11-01T05:30:00Z"), // 01:30 EDT
                utc("2026-11-01T06:00:00Z"), // 01:00 EST
                utc("2026-11-01T06:30:00Z"), // 01:30 EST
                utc("2026-11-01T07:00:00Z")); // 02:00 EST
        assertThat(runs("0 * * * *", at("2026-11-01T00:30", NEW_YORK), NEW_YORK, 3)).containsExactly(
                utc("2026-11-01T05:00:00Z"), utc("2026-11-01T06:00:00Z"), utc("2026-11-01T07:00:00Z"));
    }

    @Test
    void aScheduleThatNeverComesIsEmpty() {
        // Refused by the configuration; the computation still ends.
        CronExpression never = new CronExpression("never", 1, 1, 1L << 31, 1L << 2, 0x7f, false, true, false);
        assertThat(CronTimes.next(never, utc("2026-11-22T10:00:00Z"), UTC)).isEmpty();
    }
}
