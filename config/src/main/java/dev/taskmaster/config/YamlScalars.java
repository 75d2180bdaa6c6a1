package dev.taskmaster.config;

import java.util.Locale;

/**
 * Writes text as a YAML value that any YAML reader, this project's loader among them, reads back
 * as exactly that text. For the code that writes configuration (the API's YAML view of a
 * program, {@code taskmasterd import-supervisord}). Stateless; safe from any thread.
 */
public final class YamlScalars {

    private YamlScalars() {
    }

    /**
     * A YAML double-quoted scalar (JSON string syntax), which takes any text: what YAML would not
     * take as it is (control characters, NEL and the line separators it would fold, the byte
     * order mark and noncharacters) is written as an escape.
     */
    public static String doubleQuoted(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0xfeff || c >= 0xfffe) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
