package dev.taskmaster.server.engine.schedule;

import dev.taskmaster.config.CronExpression;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;

/**
 * When a cron expression next falls due, in a time zone. Daylight-saving changes are handled as
 * Vixie cron and cronie handle them:
 * <ul>
 * <li>A job whose minute or hour field starts with {@code *} (a "wildcard" job:
 *     {@code *}{@code /5 * * * *}, {@code 30 * * * *}) follows real time: across the spring-forward
 *     gap the times that do not exist are not made up; in the fall-back repeat it runs in both
 *     copies of the repeated hour.</li>
 * <li>A job at fixed times ({@code 30 2 * * *}) follows the wall clock: a time in the gap runs
 *     at the first instant after the gap (once, however many of its times the gap swallowed);
 *     a time in the repeat runs at its first occurrence only.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class CronTimes {

    /** Farther than any expression that can run at all needs (Feb 29 on a weekday: 28 years at most). */
    private static final int MAX_YEARS = 30;

    private CronTimes() {
    }

    /** The first instant strictly after {@code after} at which {@code cron} is due; empty if none within decades. */
    public static Optional<Instant> next(CronExpression cron, Instant after, ZoneId zone) {
        return cron.wildcard() ? nextByRealTime(cron, after, zone) : nextByWallClock(cron, after, zone);
    }

    /** Steps through real minutes (instants), skipping whole days and months that cannot match. */
    private static Optional<Instant> nextByRealTime(CronExpression cron, Instant after, ZoneId zone) {
        ZonedDateTime z = after.atZone(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZonedDateTime end = z.plusYears(MAX_YEARS);
        while (z.isBefore(end)) {
            if (!cron.month(z.getMonthValue())) {
                z = z.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay(zone);
            } else if (!cron.day(z.getDayOfMonth(), z.getDayOfWeek().getValue() % 7)) {
                z = z.toLocalDate().plusDays(1).atStartOfDay(zone);
            } else if (!cron.hour(z.getHour())) {
                // By instant: from 01:xx of a repeated hour the next hour is the repeat, not 02:00.
                z = z.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!cron.minute(z.getMinute())) {
                z = z.plusMinutes(1);
            } else {
                return Optional.of(z.toInstant());
            }
        }
        return Optional.empty();
    }

    /** Steps through wall-clock times, then maps the first match to an instant by the rules above. */
    private static Optional<Instant> nextByWallClock(CronExpression cron, Instant after, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        LocalDateTime end = t.plusYears(MAX_YEARS);
        while (t.isBefore(end)) {
            LocalDate d = t.toLocalDate();
            if (!cron.month(t.getMonthValue())) {
                t = d.withDayOfMonth(1).plusMonths(1).atStartOfDay();
            } else if (!cron.day(t.getDayOfMonth(), t.getDayOfWeek().getValue() % 7)) {
                t = d.plusDays(1).atStartOfDay();
            } else if (!cron.hour(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!cron.minute(t.getMinute())) {
                t = t.plusMinutes(1);
            } else {
                Instant at = instant(rules, t);
                if (at.isAfter(after)) {
                    return Optional.of(at);
                }
                t = t.plusMinutes(1); // its one run was before (the first copy of a repeated time)
            }
        }
        return Optional.empty();
    }

    /** A wall-clock time as an instant: the end of the gap when it does not exist, its first occurrence when it repeats. */
    static Instant instant(ZoneRules rules, LocalDateTime t) {
        List<ZoneOffset> offsets = rules.getValidOffsets(t);
        if (offsets.isEmpty()) {
            return rules.getTransition(t).getInstant();
        }
        Instant first = t.toInstant(offsets.getFirst());
        for (ZoneOffset o : offsets) {
            Instant i = t.toInstant(o);
            first = i.isBefore(first) ? i : first;
        }
        return first;
    }
}
