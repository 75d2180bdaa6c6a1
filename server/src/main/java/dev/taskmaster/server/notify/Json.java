package dev.taskmaster.server.notify;

import java.util.List;

/** Just enough JSON writing for a notification's body: objects of strings, numbers, booleans and lists. Not thread-safe. */
final class Json {

    private final StringBuilder b = new StringBuilder(512);
    private boolean first = true;

    Json open() {
        comma();
        b.append('{');
        first = true;
        return this;
    }

    Json close() {
        b.append('}');
        first = false;
        return this;
    }

    Json key(String k) {
        comma();
        quote(k);
        b.append(':');
        first = true;
        return this;
    }

    Json field(String k, String v) {
        key(k);
        quote(v);
        first = false;
        return this;
    }

    Json field(String k, long v) {
        key(k);
        b.append(v);
        first = false;
        return this;
    }

    Json field(String k, boolean v) {
        key(k);
        b.append(v);
        first = false;
        return this;
    }

    Json strings(String k, List<String> values) {
        key(k);
        b.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            quote(values.get(i));
        }
        b.append(']');
        first = false;
        return this;
    }

    Json openList(String k) {
        key(k);
        b.append('[');
        first = true;
        return this;
    }

    Json closeList() {
        b.append(']');
        first = false;
        return this;
    }

    private void comma() {
        if (!first) {
            b.append(',');
        }
    }

    private void quote(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
