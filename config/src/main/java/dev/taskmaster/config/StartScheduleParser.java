package dev.taskmaster.config;

import java.time.Duration;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads a program's {@code start_delay} and {@code cron}. A wrong cron field is reported at its
 * own column, so an editor jumps to the field, not to the start of the value. Stateless.
 */
final class StartScheduleParser {

    static final String CRON_EXPECTED = "a cron expression (minute hour day-of-month month day-of-week, or @daily...)";

    private StartScheduleParser() {
    }

    /** What the program's mapping says; {@link StartSchedule#NONE} for what is absent or wrong (reported). */
    static StartSchedule parse(MapReader r) {
        Duration delay = r.get("start_delay", Duration.ZERO, Values::duration);
        Optional<CronExpression> cron = r.optional("cron", StartScheduleParser::cron);
        if (cron.isPresent() && r.has("start_delay")) {
            r.take("start_delay").ifPresent(n -> r.source().error(n, r.pathOf("start_delay"),
                    "start_delay cannot be set with cron: a cron program starts at its cron times; leave start_delay out"));
            return StartSchedule.NONE;
        }
        return new StartSchedule(delay, cron);
    }

    private static Optional<CronExpression> cron(Source src, Node node, String path) {
        return Values.text(src, node, path, CRON_EXPECTED).flatMap(raw -> src.expand(node, path, raw).flatMap(text -> {
            try {
                return Optional.of(CronExpression.parse(text));
            } catch (CronExpression.InvalidCronException e) {
                int column = column(node, raw, text, e.invalid().offset());
                src.problems().add(new ConfigError(src.file(), node.getStartMark().getLine() + 1, column, path,
                        e.getMessage()));
                return Optional.empty();
            }
        }));
    }

    /**
     * The 1-based column of {@code offset} in the value: exact for a value on one line, written
     * as it is read (plain or quoted, nothing expanded); else the value's own column.
     */
    private static int column(Node node, String raw, String text, int offset) {
        int start = node.getStartMark().getColumn() + 1;
        if (!(node instanceof ScalarNode s) || !raw.equals(text) || raw.contains("\\")
                || node.getStartMark().getLine() != node.getEndMark().getLine()) {
            return start;
        }
        int quote = s.getScalarStyle() == ScalarStyle.DOUBLE_QUOTED || s.getScalarStyle() == ScalarStyle.SINGLE_QUOTED ? 1 : 0;
        if (s.getScalarStyle() == ScalarStyle.SINGLE_QUOTED && raw.contains("'")) {
            return start; // '' stands for one quote: the offsets no longer line up
        }
        return start + quote + Math.min(offset, raw.length());
    }
}
