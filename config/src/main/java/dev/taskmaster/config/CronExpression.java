package dev.taskmaster.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code cron} schedule as Vixie cron reads it: five fields (minute, hour, day of month, month,
 * day of week) of numbers, names ({@code JAN}, {@code MON}), ranges, lists and steps, or one of
 * the shorthands {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}. Immutable;
 * each field is a bit set. When to run is computed by the daemon's engine, on its clock and in
 * its time zone; this is only what was written, checked.
 *
 * @param text        the expression as written (shown to people)
 * @param minutes     bit n set = minute n (0–59)
 * @param hours       bit n set = hour n (0–23)
 * @param daysOfMonth bit n set = day n of the month (1–31)
 * @param months      bit n set = month n (1–12)
 * @param daysOfWeek  bit n set = weekday n (0 = Sunday … 6 = Saturday; 7 is read as 0)
 * @param domStar     the day-of-month field starts with {@code *}: with {@code dowStar} it decides
 *                    whether the two day fields must both match (either one is a star) or either
 *                    may (both restricted), Vixie cron's rule
 * @param dowStar     the day-of-week field starts with {@code *}
 * @param wildcard    the minute or the hour field starts with {@code *}: such a job follows real time
 *                    across a daylight-saving change, one at fixed times follows the wall clock
 */
public record CronExpression(String text, long minutes, long hours, long daysOfMonth, long months, long daysOfWeek,
        boolean domStar, boolean dowStar, boolean wildcard) {

    /** What each field holds; the order of the five fields. */
    private record Field(String name, String what, int min, int max, List<String> names) {
    }

    private static final List<Field> FIELDS = List.of(
            new Field("minute", "a minute", 0, 59, List.of()),
            new Field("hour", "an hour", 0, 23, List.of()),
            new Field("day-of-month", "a day of the month", 1, 31, List.of()),
            new Field("month", "a month", 1, 12, List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
                    "OCT", "NOV", "DEC")),
            new Field("day-of-week", "a day of the week", 0, 7, List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")));

    private static final Map<String, String> SHORTHANDS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    /** Days in each month at most (February of a leap year), index 1–12. */
    private static final int[] MONTH_DAYS = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    /**
     * A problem with an expression.
     *
     * @param offset  where in the text it is (0-based), for a column
     * @param message {@code the hour field: expected an hour from 0 to 23, found "24"}
     */
    public record Invalid(int offset, String message) {
    }

    /** Thrown by {@link #parse}. */
    public static final class InvalidCronException extends IllegalArgumentException {
        private final transient Invalid invalid;

        InvalidCronException(Invalid invalid) {
            super(invalid.message());
            this.invalid = invalid;
        }

        public Invalid invalid() {
            return invalid;
        }
    }

    /** Whether {@code minute} (and so on) is in the field. */
    public boolean minute(int minute) {
        return (minutes >>> minute & 1) != 0;
    }

    public boolean hour(int hour) {
        return (hours >>> hour & 1) != 0;
    }

    public boolean month(int month) {
        return (months >>> month & 1) != 0;
    }

    /**
     * Whether a date matches the day fields: day of month and day of week must both match when
     * either field starts with {@code *}, else either one may (Vixie cron's rule).
     *
     * @param dayOfWeek 0 = Sunday … 6 = Saturday
     */
    public boolean day(int dayOfMonth, int dayOfWeek) {
        boolean dom = (daysOfMonth >>> dayOfMonth & 1) != 0;
        boolean dow = (daysOfWeek >>> dayOfWeek & 1) != 0;
        return domStar || dowStar ? dom && dow : dom || dow;
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * Reads an expression.
     *
     * @throws InvalidCronException naming the field that is wrong and where it is
     */
    public static CronExpression parse(String text) {
        String t = text.strip();
        int lead = text.length() - text.stripLeading().length();
        if (t.startsWith("@")) {
            String expanded = SHORTHANDS.get(t.toLowerCase(Locale.ROOT));
            if (expanded == null) {
                throw invalid(lead, t.equalsIgnoreCase("@reboot")
                        ? "expected a schedule, found \"@reboot\": a program that starts with the daemon needs no cron"
                                + " (autostart: true, the default, does that)"
                        : "expected five fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually,"
                                + " @monthly, @weekly, @daily, @midnight, @hourly, found \"" + Values.quotable(t) + "\"");
            }
            CronExpression e = parse(expanded);
            return new CronExpression(t, e.minutes, e.hours, e.daysOfMonth, e.months, e.daysOfWeek, e.domStar, e.dowStar,
                    e.wildcard);
        }
        List<Integer> starts = new java.util.ArrayList<>();
        List<String> words = new java.util.ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            starts.add(start);
            words.add(text.substring(start, i));
        }
        // The count first: "0 0 0 * * *" has a seconds field, which says more than "day 0" would.
        if (words.size() > 5) {
            throw invalid(starts.get(5), "expected five fields (minute hour day-of-month month day-of-week), found more: \""
                    + Values.quotable(text.substring(starts.get(5)).strip()) + "\"; seconds and years are not cron fields");
        }
        if (words.size() < 5) {
            throw invalid(text.length(), "expected five fields (minute hour day-of-month month day-of-week) or a shorthand"
                    + " such as @daily, found " + (words.isEmpty() ? "none" : words.size() + ": \"" + Values.quotable(t) + "\"")
                    + "; the " + FIELDS.get(words.size()).name() + " field is missing");
        }
        long[] bits = new long[5];
        boolean[] star = new boolean[5];
        for (int f = 0; f < 5; f++) {
            star[f] = words.get(f).startsWith("*");
            bits[f] = field(FIELDS.get(f), words.get(f), starts.get(f));
        }
        int[] offsets = starts.stream().mapToInt(Integer::intValue).toArray();
        long dow = bits[4];
        if ((dow >>> 7 & 1) != 0) {
            dow = (dow & ~(1L << 7)) | 1; // 7 is Sunday too
        }
        CronExpression e = new CronExpression(t, bits[0], bits[1], bits[2], bits[3], dow, star[2], star[4],
                star[0] || star[1]);
        e.checkCanRun(text, offsets[2]);
        return e;
    }

    /**
     * A day of month that no chosen month has ({@code 0 0 31 2 *}) would never run: refused here,
     * unless the day of week may match instead.
     */
    private void checkCanRun(String text, int domOffset) {
        if (!domStar && !dowStar) {
            return; // either day field may match: some weekday always comes
        }
        int firstDay = Long.numberOfTrailingZeros(daysOfMonth);
        for (int m = 1; m <= 12; m++) {
            if (month(m) && firstDay <= MONTH_DAYS[m]) {
                return;
            }
        }
        throw invalid(domOffset, "the day-of-month field: expected a day that the chosen months have, found day " + firstDay
                + ", which no month of \"" + Values.quotable(text.strip()) + "\" has: it would never run");
    }

    /** One field: a comma-separated list of {@code *}, {@code n}, {@code a-b}, each with an optional {@code /step}. */
    private static long field(Field f, String word, int offset) {
        long bits = 0;
        int at = 0;
        for (String item : word.split(",", -1)) {
            bits |= item(f, item, offset + at);
            at += item.length() + 1;
        }
        return bits;
    }

    private static long item(Field f, String item, int offset) {
        if (item.isEmpty()) {
            throw invalid(offset, "the " + f.name() + " field: expected " + f.what() + ", a range or *, found an empty"
                    + " list item");
        }
        String range = item;
        int step = 1;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            range = item.substring(0, slash);
            String s = item.substring(slash + 1);
            int max = f.max() - f.min() + 1;
            if (!s.matches("[0-9]{1,9}") || Integer.parseInt(s) < 1 || Integer.parseInt(s) > max) {
                throw invalid(offset + slash + 1, "the " + f.name() + " field: expected a step from 1 to " + max
                        + " after \"/\", found \"" + Values.quotable(s) + "\"");
            }
            step = Integer.parseInt(s);
        }
        int low;
        int high;
        if (range.equals("*")) {
            low = f.min();
            high = f.name().equals("day-of-week") ? 6 : f.max();
        } else {
            int dash = range.indexOf('-');
            low = value(f, dash < 0 ? range : range.substring(0, dash), offset);
            // "5/15" is "5-59/15": from there to the end of the field, as most crons read it.
            high = dash < 0 ? (slash >= 0 ? (f.name().equals("day-of-week") ? 6 : f.max()) : low)
                    : value(f, range.substring(dash + 1), offset + dash + 1);
            if (high < low) {
                throw invalid(offset, "the " + f.name() + " field: expected a range from low to high, found \""
                        + Values.quotable(range) + "\"");
            }
        }
        long bits = 0;
        for (int v = low; v <= high; v += step) {
            bits |= 1L << v;
        }
        return bits;
    }

    private static int value(Field f, String s, int offset) {
        if (s.matches("[0-9]{1,9}")) {
            int v = Integer.parseInt(s);
            if (v >= f.min() && v <= f.max()) {
                return v;
            }
        } else {
            int named = f.names().indexOf(s.toUpperCase(Locale.ROOT));
            if (named >= 0) {
                return named + (f.name().equals("month") ? 1 : 0);
            }
        }
        String names = f.names().isEmpty() ? "" : " or a name (" + f.names().getFirst() + "–" + f.names().getLast() + ")";
        String extra = f.name().equals("day-of-week") ? " (0 and 7 are Sunday)" : "";
        throw invalid(offset, "the " + f.name() + " field: expected " + f.what() + " from " + f.min() + " to " + f.max()
                + extra + names + ", found \"" + Values.quotable(s) + "\"");
    }

    private static InvalidCronException invalid(int offset, String message) {
        return new InvalidCronException(new Invalid(offset, message));
    }
}
