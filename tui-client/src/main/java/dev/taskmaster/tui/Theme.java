package dev.taskmaster.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * How the screen's colours are drawn: {@code dark} (as designed, for a dark background),
 * {@code light} (the colours that wash out on white made darker), {@code none} (no colour at all:
 * what stood out by its background is in reverse video instead, as NO_COLOR asks). Immutable.
 */
enum Theme {
    DARK, LIGHT, NONE;

    /** The environment variable that picks a theme when --theme is not given. */
    static final String ENV = "TASKMASTER_TUI_THEME";

    /**
     * The theme asked for: {@code option} (--theme) first, then {@value #ENV}, then NO_COLOR (any
     * non-empty value: none), else dark.
     *
     * @throws IllegalArgumentException naming the value and where it came from, for an unknown theme
     */
    static Theme choose(String option, Map<String, String> env) {
        if (option != null) {
            return parse(option, "--theme");
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return parse(fromEnv, ENV);
        }
        String noColor = env.get("NO_COLOR");
        return noColor != null && !noColor.isEmpty() ? NONE : DARK;
    }

    private static Theme parse(String value, String where) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": expected dark, light or none, found \"" + value + "\"");
        }
    }

    /** A colour as this theme draws it. */
    TextColor map(TextColor c) {
        return switch (this) {
            case DARK -> c;
            case NONE -> TextColor.ANSI.DEFAULT;
            // Yellow and cyan text are hard to read on white; bright white text only ever sits on red.
            case LIGHT -> c == TextColor.ANSI.YELLOW ? TextColor.ANSI.MAGENTA : c == TextColor.ANSI.CYAN ? TextColor.ANSI.BLUE : c;
        };
    }

    /** The modifiers for a cell whose background was {@code bg}: without colour, a coloured background becomes reverse video. */
    SGR[] modifiers(TextColor bg, SGR[] sgr) {
        if (this != NONE || bg == TextColor.ANSI.DEFAULT || Arrays.asList(sgr).contains(SGR.REVERSE)) {
            return sgr;
        }
        SGR[] out = Arrays.copyOf(sgr, sgr.length + 1);
        out[sgr.length] = SGR.REVERSE;
        return out;
    }
}
