package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code start_delay} and {@code cron}: what is read, and where a mistake is reported (down to the field). */
class StartScheduleConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    private StartSchedule schedule(String lines) {
        return files.program("programs:\n  a:\n    cmd: x\n" + lines).schedule();
    }

    /** The one error of a program whose cron is written {@code value} on line 4, from column 11. */
    private String cronError(String value) {
        return files.error("programs:\n  a:\n    cmd: x\n    cron: " + value + "\n");
    }

    private static List<Integer> bits(long set, int max) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i <= max; i++) {
            if ((set >>> i & 1) != 0) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void defaultsAreNoDelayAndNoCron() {
        assertThat(schedule("")).isEqualTo(StartSchedule.NONE);
        assertThat(schedule("    start_delay: 30s\n")).isEqualTo(new StartSchedule(Duration.ofSeconds(30), java.util.Optional.empty()));
        assertThat(schedule("    start_delay: 1m30s\n").delay()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void fieldsAcceptNumbersRangesListsStepsAndNames() {
        CronExpression c = schedule("    cron: \"*/15 9-17/4 1,15 1 *\"\n").cron().orElseThrow();
        assertThat(bits(c.minutes(), 59)).containsExactly(0, 15, 30, 45);
        assertThat(bits(c.hours(), 23)).containsExactly(9, 13, 17);
        assertThat(bits(c.daysOfMonth(), 31)).containsExactly(1, 15);
        assertThat(bits(c.months(), 12)).containsExactly(1);
        assertThat(c.domStar()).isFalse();
        assertThat(c.dowStar()).isTrue();
        assertThat(c.wildcard()).isTrue();
        CronExpression named = CronExpression.parse("30 2 * jan-mar,DEC Mon-FRI");
        assertThat(bits(named.months(), 12)).containsExactly(1, 2, 3, 12);
        assertThat(bits(named.daysOfWeek(), 7)).containsExactly(1, 2, 3, 4, 5);
        assertThat(named.wildcard()).isFalse();
        // 0 and 7 are both Sunday; 5-7 is Friday to Sunday.
        assertThat(bits(CronExpression.parse("0 0 * * 7").daysOfWeek(), 7)).containsExactly(0);
        assertThat(bits(CronExpression.parse("0 0 * * 5-7").daysOfWeek(), 7)).containsExactly(0, 5, 6);
        assertThat(bits(CronExpression.parse("5/20 * * * *").minutes(), 59)).containsExactly(5, 25, 45);
        assertThat(bits(CronExpression.parse("0 0 * * */2").daysOfWeek(), 7)).containsExactly(0, 2, 4, 6);
    }

    @Test
    void theDayFieldsFollowVixieCronsOrRule() {
        // Both restricted: either may match (the 13th, or any Friday).
        CronExpression either = CronExpression.parse("0 0 13 * FRI");
        assertThat(either.day(13, 2)).isTrue();
        assertThat(either.day(6, 5)).isTrue();
        assertThat(either.day(6, 2)).isFalse();
        // One starts with *: both must match, as in Vixie cron (even for "*/2").
        CronExpression both = CronExpression.parse("0 0 */2 * FRI");
        assertThat(both.day(13, 5)).isTrue();
        assertThat(both.day(14, 5)).isFalse();
        assertThat(both.day(13, 2)).isFalse();
    }

    @Test
    void shorthandsAreTheirFiveFields() {
        String[][] pairs = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"}, {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};
        for (String[] p : pairs) {
            CronExpression s = CronExpression.parse(p[0]);
            CronExpression f = CronExpression.parse(p[1]);
            assertThat(s.text()).isEqualTo(p[0]);
            assertThat(new CronExpression(p[1], s.minutes(), s.hours(), s.daysOfMonth(), s.months(), s.daysOfWeek(),
                    s.domStar(), s.dowStar(), s.wildcard())).as(p[0]).isEqualTo(f);
        }
        assertThat(schedule("    cron: \"@DAILY\"\n").cron().orElseThrow().text()).isEqualTo("@DAILY");
    }

    @Test
    void aWrongFieldIsReportedAtItsColumnNamingTheField() {
        // "    cron: " is 10 characters: a plain value starts at column 11, a quoted one's text at 12.
        assertThat(cronError("0 24 * * *")).isEqualTo(
                "4:13: programs.a.cron: the hour field: expected an hour from 0 to 23, found \"24\"");
        assertThat(cronError("\"0 0 * * 1,8\"")).isEqualTo(
                "4:22: programs.a.cron: the day-of-week field: expected a day of the week from 0 to 7 (0 and 7 are Sunday)"
                        + " or a name (SUN–SAT), found \"8\"");
        assertThat(cronError("'0 0 * FOO *'")).isEqualTo(
                "4:18: programs.a.cron: the month field: expected a month from 1 to 12 or a name (JAN–DEC), found \"FOO\"");
        assertThat(cronError("\"*/0 * * * *\"")).isEqualTo(
                "4:14: programs.a.cron: the minute field: expected a step from 1 to 60 after \"/\", found \"0\"");
        assertThat(cronError("\"0 0 20-10 * *\"")).isEqualTo(
                "4:16: programs.a.cron: the day-of-month field: expected a range from low to high, found \"20-10\"");
        assertThat(cronError("\"0 0 1,,2 * *\"")).isEqualTo(
                "4:18: programs.a.cron: the day-of-month field: expected a day of the month, a range or *, found an empty list item");
    }

    @Test
    void theNumberOfFieldsIsChecked() {
        assertThat(cronError("\"0 0 * *\"")).isEqualTo("4:19: programs.a.cron: expected five fields (minute hour"
                + " day-of-month month day-of-week) or a shorthand such as @daily, found 4: \"0 0 * *\"; the day-of-week field is missing");
        assertThat(cronError("\"0 0 0 * * * *\"")).isEqualTo("4:22: programs.a.cron: expected five fields (minute hour"
                + " day-of-month month day-of-week), found more: \"* *\"; seconds and years are not cron fields");
        assertThat(cronError("\"\"")).startsWith("4:12: programs.a.cron: expected five fields").contains("found none");
        assertThat(cronError("42")).startsWith("4:13: programs.a.cron: expected five fields");
    }

    @Test
    void rebootAndUnknownShorthandsAreRefused() {
        assertThat(cronError("\"@reboot\"")).isEqualTo("4:12: programs.a.cron: expected a schedule, found \"@reboot\":"
                + " a program that starts with the daemon needs no cron (autostart: true, the default, does that)");
        assertThat(cronError("\"@fortnightly\"")).contains("expected five fields (minute hour day-of-month month"
                + " day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, found \"@fortnightly\"");
    }

    @Test
    void aScheduleThatCanNeverRunIsRefused() {
        assertThat(cronError("\"0 0 30 2 *\"")).isEqualTo("4:16: programs.a.cron: the day-of-month field: expected a day"
                + " that the chosen months have, found day 30, which no month of \"0 0 30 2 *\" has: it would never run");
        assertThat(cronError("\"0 0 31 4,6,9,11 *\"")).contains("found day 31");
        // Feb 29 exists (in leap years), and a weekday may stand in for the 31st.
        assertThat(schedule("    cron: \"0 0 29 2 *\"\n").cron()).isPresent();
        assertThat(schedule("    cron: \"0 0 31 2 MON\"\n").cron()).isPresent();
        assertThat(schedule("    cron: \"0 0 1,31 2 *\"\n").cron()).isPresent();
    }

    @Test
    void startDelayAndCronDoNotGoTogether() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    start_delay: 5s\n    cron: \"@hourly\"\n")).isEqualTo(
                "4:18: programs.a.start_delay: start_delay cannot be set with cron: a cron program starts at its cron"
                        + " times; leave start_delay out");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    start_delay: soon\n")).startsWith(
                "4:18: programs.a.start_delay: expected " + Values.DURATION_EXPECTED + ", found ");
    }

    @Test
    void aCronChangeIsAnUpdateInPlace() {
        Config before = files.load("programs:\n  a:\n    cmd: x\n    cron: \"0 * * * *\"\n");
        Config after = files.load("programs:\n  a:\n    cmd: x\n    cron: \"*/5 * * * *\"\n");
        assertThat(ConfigDiff.between(before, after).instances().getFirst().kind()).isEqualTo(ConfigDiff.Kind.UPDATED);
    }

    @Test
    void parseThrowsWithTheOffset() {
        CronExpression.InvalidCronException e = catchThrowableOfType(CronExpression.InvalidCronException.class,
                () -> CronExpression.parse("  0 0 * 13 *"));
        assertThat(e.invalid().offset()).isEqualTo(8);
        assertThat(CronExpression.parse(" @hourly ").text()).isEqualTo("@hourly");
    }
}
