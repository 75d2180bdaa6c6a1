package dev.taskmaster.server.notify;

import dev.taskmaster.config.YamlScalars;
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

    /** YAML's double-quoted scalars are JSON strings; one writer of them for the whole daemon. */
    private void quote(String s) {
        b.append(YamlScalars.doubleQuoted(s));
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
