package dev.taskmaster.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h30m},
 * {@code 1.5s}; a bare number is seconds; ISO-8601 ({@code PT30S}) is accepted too.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.strip();
        if (v.matches("\\d+(\\.\\d+)?")) {
            v = v + "s";
        }
        if (v.startsWith("P") || v.startsWith("p")) {
            try {
                return Duration.parse(v);
            } catch (java.time.format.DateTimeParseException e) {
                throw invalid(value);
            }
        }
        Matcher m = PART.matcher(v);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            long unitNanos = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            total = total.plusNanos(Math.round(n * unitNanos));
            at = m.end();
        }
        if (at == 0 || at != v.length()) {
            throw invalid(value);
        }
        return total;
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException("'" + value + "' is not a duration; write e.g. 30s, 500ms, 2m or 1h30m");
    }
}
