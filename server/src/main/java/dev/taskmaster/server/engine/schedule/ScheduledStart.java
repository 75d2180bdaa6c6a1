package dev.taskmaster.server.engine.schedule;

import dev.taskmaster.config.CronExpression;
import dev.taskmaster.config.StartSchedule;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineScheduler;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The waiting automatic starts of one process: its {@code start_delay} and its {@code cron}
 * times. Owns their timers on the engine's scheduler and tells its {@link Target} when a start
 * falls due; what to do then (start, or skip a run that would overlap) is the target's. Engine
 * thread only: every method, and every call to the target, happens there.
 *
 * <p>Timers run on the monotonic clock, cron times are wall-clock times: a cron timer wakes at
 * least once a minute and compares with the wall clock, so that a clock set forward or a machine
 * that slept makes a run at most a minute late, and one set back never makes it early.
 */
public final class ScheduledStart {

    /** The longest a cron timer sleeps before it looks at the wall clock again. */
    static final Duration RECHECK = Duration.ofMinutes(1);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

    /** What the timers call, on the engine thread. */
    public interface Target {
        /** {@code start_delay} ran out: start now, if it still waits. {@code why} is the reason for the event. */
        void delayElapsed(String why);

        /**
         * A cron time came ({@code due}, at the latest a minute ago). The next time is already
         * armed: {@link #nextStart} has it. {@code why} is the reason for the event if it starts.
         */
        void cronDue(Instant due, String why);
    }

    private final EngineScheduler scheduler;
    private final EngineClock clock;
    private final Target target;
    private StartSchedule schedule;
    private EngineScheduler.Cancellable delayTimer;
    private Instant delayDue;
    private EngineScheduler.Cancellable cronTimer;
    private Instant cronDue;

    public ScheduledStart(EngineScheduler scheduler, EngineClock clock, StartSchedule schedule, Target target) {
        this.scheduler = Objects.requireNonNull(scheduler);
        this.clock = Objects.requireNonNull(clock);
        this.schedule = Objects.requireNonNull(schedule);
        this.target = Objects.requireNonNull(target);
    }

    /** The program has a {@code start_delay}. */
    public boolean hasDelay() {
        return !schedule.delay().isZero();
    }

    /** The program has a {@code cron} schedule. */
    public boolean hasCron() {
        return schedule.cron().isPresent();
    }

    /** The cron schedule is armed: its runs come until {@link #disarm}. */
    public boolean armed() {
        return cronTimer != null;
    }

    /** Begins to wait out {@code start_delay} (again, if it already did). */
    public void beginDelay() {
        cancelDelay();
        Duration delay = schedule.delay();
        delayDue = clock.now().plus(delay);
        delayTimer = scheduler.schedule(delay, () -> {
            delayTimer = null;
            delayDue = null;
            target.delayElapsed("started after start_delay " + seconds(delay));
        });
    }

    /** Arms the cron schedule, unless it is armed already or there is none. */
    public void arm() {
        if (hasCron() && cronTimer == null) {
            armAfter(clock.now());
        }
    }

    /** No start waits any more: the delay and the cron schedule are cancelled. */
    public void disarm() {
        cancelDelay();
        if (cronTimer != null) {
            cronTimer.cancel();
            cronTimer = null;
        }
        cronDue = null;
    }

    /** The delay is cancelled (a start by command made it moot); an armed cron schedule stays. */
    public void cancelDelay() {
        if (delayTimer != null) {
            delayTimer.cancel();
            delayTimer = null;
        }
        delayDue = null;
    }

    /** Applies new settings: an armed schedule moves to the new cron times, or ends if there is no cron any more. */
    public void update(StartSchedule next) {
        boolean cronChanged = !next.cron().equals(schedule.cron());
        schedule = next;
        if (cronChanged && armed()) {
            disarm();
            arm();
        }
    }

    /** When the next automatic start is due: the delay's end, else the next cron time; empty when none waits. */
    public Optional<Instant> nextStart() {
        return Optional.ofNullable(delayDue != null ? delayDue : cronDue);
    }

    /** What a SCHEDULED process waits for, in words: {@code start_delay 30s}, {@code cron "*}{@code /5 * * * *"}. */
    public String waitingFor() {
        if (delayDue != null) {
            return "start_delay " + seconds(schedule.delay());
        }
        return schedule.cron().map(c -> "cron \"" + c.text() + "\"").orElse("a scheduled start");
    }

    /** {@code 2026-11-22 12:05 CET}: a cron time as the events and the log say it. */
    public String describe(Instant t) {
        return ZonedDateTime.ofInstant(t, clock.zone()).format(TIME);
    }

    private void armAfter(Instant after) {
        CronExpression cron = schedule.cron().orElseThrow();
        Optional<Instant> next = CronTimes.next(cron, after, clock.zone());
        if (next.isEmpty()) {
            // Refused by the configuration's checks; kept unarmed rather than spinning.
            cronDue = null;
            return;
        }
        cronDue = next.get();
        sleepUntilDue();
    }

    private void sleepUntilDue() {
        Duration left = Duration.between(clock.now(), cronDue);
        Duration sleep = left.isNegative() ? Duration.ZERO : left.compareTo(RECHECK) > 0 ? RECHECK : left;
        cronTimer = scheduler.schedule(sleep, this::wake);
    }

    private void wake() {
        cronTimer = null;
        Instant now = clock.now();
        if (now.isBefore(cronDue)) {
            sleepUntilDue();
            return;
        }
        Instant due = cronDue;
        armAfter(now.isAfter(due) ? now : due);
        target.cronDue(due, "cron \"" + schedule.cron().map(CronExpression::text).orElse("") + "\" due at " + describe(due));
    }

    private static String seconds(Duration d) {
        return dev.taskmaster.server.engine.lifecycle.RestartRules.seconds(d);
    }
}
