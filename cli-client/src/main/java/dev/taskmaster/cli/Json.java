package dev.taskmaster.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code --json}: a message as one line of JSON, in the shape docs/cli.md ("JSON output")
 * promises scripts, driven by the message's descriptor so every response follows the same rules:
 * <ul>
 *   <li>every field of a message is a key (its lowerCamelCase JSON name), in every state; a
 *       field that can be unset (a message, a member of a {@code oneof}, an {@code optional}
 *       scalar) is {@code null} when unset, so a script never tests for absence;</li>
 *   <li>enums are their value's name without the enum's prefix ({@code PROCESS_STATE_RUNNING}
 *       → {@code "RUNNING"}), a value unknown to this client its number as a string;</li>
 *   <li>64-bit integers are numbers while exact in a double (|v| ≤ 2^53 − 1), else strings;</li>
 *   <li>Timestamps are RFC 3339 UTC strings, Durations numbers of seconds, bytes base64;</li>
 *   <li>repeated fields are arrays, maps objects with sorted keys.</li>
 * </ul>
 * Protobuf's canonical mapping ({@code JsonFormat}) differs on purpose: it leaves unset fields
 * out, prints int64 as strings always and enums with their prefix, and Durations as "1.5s".
 *
 * <p>Threading: stateless but for a cache of enum prefixes that any thread may fill; safe to
 * call from any thread.
 */
final class Json {

    /** The largest integer a double holds exactly, such that no other integer reads back as it. */
    static final long MAX_EXACT = (1L << 53) - 1;

    private static final String TIMESTAMP = "google.protobuf.Timestamp";
    private static final String DURATION = "google.protobuf.Duration";

    /** Per enum, the prefix its value names lose ("" when not every value has it). */
    private static final Map<EnumDescriptor, String> PREFIXES = new ConcurrentHashMap<>();

    private Json() {}

    static void print(PrintWriter out, MessageOrBuilder message) {
        out.println(text(message));
    }

    /** The message as one line of JSON. */
    static String text(MessageOrBuilder message) {
        StringBuilder b = new StringBuilder(256);
        message(b, message);
        return b.toString();
    }

    private static void message(StringBuilder b, MessageOrBuilder m) {
        Descriptor type = m.getDescriptorForType();
        switch (type.getFullName()) {
            case TIMESTAMP -> timestamp(b, seconds(m), nanos(m));
            case DURATION -> b.append(BigDecimal.valueOf(seconds(m)).add(BigDecimal.valueOf(nanos(m), 9))
                    .stripTrailingZeros().toPlainString());
            default -> {
                b.append('{');
                boolean first = true;
                for (FieldDescriptor f : type.getFields()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    b.append(string(f.getJsonName())).append(':');
                    field(b, m, f);
                }
                b.append('}');
            }
        }
    }

    private static void field(StringBuilder b, MessageOrBuilder m, FieldDescriptor f) {
        if (f.isMapField()) {
            map(b, (List<?>) m.getField(f), f.getMessageType());
        } else if (f.isRepeated()) {
            b.append('[');
            List<?> values = (List<?>) m.getField(f);
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                value(b, f, values.get(i));
            }
            b.append(']');
        } else if (f.hasPresence() && !m.hasField(f)) {
            b.append("null");
        } else {
            value(b, f, m.getField(f));
        }
    }

    /** A map as an object; keys sorted so that the same map always prints the same. */
    private static void map(StringBuilder b, List<?> entries, Descriptor entryType) {
        FieldDescriptor keyField = entryType.findFieldByNumber(1);
        FieldDescriptor valueField = entryType.findFieldByNumber(2);
        List<MessageOrBuilder> sorted = new ArrayList<>(entries.size());
        for (Object e : entries) {
            sorted.add((MessageOrBuilder) e);
        }
        sorted.sort(Comparator.comparing(e -> mapKey(keyField, e.getField(keyField))));
        b.append('{');
        for (int i = 0; i < sorted.size(); i++) {
            MessageOrBuilder e = sorted.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append(string(mapKey(keyField, e.getField(keyField)))).append(':');
            value(b, valueField, e.getField(valueField));
        }
        b.append('}');
    }

    private static String mapKey(FieldDescriptor keyField, Object key) {
        return switch (keyField.getType()) {
            case UINT32, FIXED32 -> Integer.toUnsignedString((Integer) key);
            case UINT64, FIXED64 -> Long.toUnsignedString((Long) key);
            default -> key.toString(); // string, bool, signed integers
        };
    }

    private static void value(StringBuilder b, FieldDescriptor f, Object v) {
        switch (f.getType()) {
            case DOUBLE -> finite(b, (Double) v, Double.toString((Double) v));
            case FLOAT -> finite(b, (Float) v, Float.toString((Float) v));
            case INT32, SINT32, SFIXED32 -> b.append((int) (Integer) v);
            case UINT32, FIXED32 -> b.append(Integer.toUnsignedString((Integer) v));
            case INT64, SINT64, SFIXED64 -> {
                long n = (Long) v;
                b.append(n >= -MAX_EXACT && n <= MAX_EXACT ? Long.toString(n) : "\"" + n + "\"");
            }
            case UINT64, FIXED64 -> {
                long n = (Long) v;
                b.append(n >= 0 && n <= MAX_EXACT ? Long.toString(n) : "\"" + Long.toUnsignedString(n) + "\"");
            }
            case BOOL -> b.append((boolean) (Boolean) v);
            case STRING -> b.append(string((String) v));
            case BYTES -> b.append('"').append(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray())).append('"');
            case ENUM -> b.append(string(enumName((EnumValueDescriptor) v)));
            case MESSAGE, GROUP -> message(b, (MessageOrBuilder) v);
        }
    }

    /** NaN and the infinities have no JSON number: null, as for a value that is not there. */
    private static void finite(StringBuilder b, double v, String text) {
        b.append(Double.isFinite(v) ? text : "null");
    }

    /**
     * The value's name without the enum's prefix, when every value of the enum has it (a prefix
     * only some had could make two names one); the number, as a string, for a value this client
     * does not know (a newer daemon's).
     */
    static String enumName(EnumValueDescriptor v) {
        EnumDescriptor type = v.getType();
        if (type.findValueByNumber(v.getNumber()) == null) {
            return Integer.toString(v.getNumber());
        }
        return v.getName().substring(PREFIXES.computeIfAbsent(type, Json::prefix).length());
    }

    private static String prefix(EnumDescriptor type) {
        String prefix = upperSnake(type.getName()) + "_";
        for (EnumValueDescriptor v : type.getValues()) {
            if (!v.getName().startsWith(prefix) || v.getName().length() == prefix.length()) {
                return "";
            }
        }
        return prefix;
    }

    /** {@code ProcessState} → {@code PROCESS_STATE}, {@code HTTPProbe} → {@code HTTP_PROBE}. */
    static String upperSnake(String camel) {
        StringBuilder s = new StringBuilder(camel.length() + 8);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (i > 0 && Character.isUpperCase(c)) {
                char before = camel.charAt(i - 1);
                boolean wordEnds = Character.isLowerCase(before) || Character.isDigit(before)
                        || (i + 1 < camel.length() && Character.isLowerCase(camel.charAt(i + 1)));
                if (wordEnds) {
                    s.append('_');
                }
            }
            s.append(c);
        }
        return s.toString().toUpperCase(Locale.ROOT);
    }

    /**
     * RFC 3339 in UTC, with 0, 3, 6 or 9 digits of fraction as needed ({@link Instant#toString}).
     * A value no Instant can hold (never sent by a daemon: the contract's range is years 1 to
     * 9999) is null rather than an exception in the middle of a line.
     */
    private static void timestamp(StringBuilder b, long seconds, int nanos) {
        try {
            b.append('"').append(Instant.ofEpochSecond(seconds, nanos)).append('"');
        } catch (DateTimeException | ArithmeticException e) {
            b.append("null");
        }
    }

    private static long seconds(MessageOrBuilder m) {
        return (Long) m.getField(m.getDescriptorForType().findFieldByNumber(1));
    }

    private static int nanos(MessageOrBuilder m) {
        return (Integer) m.getField(m.getDescriptorForType().findFieldByNumber(2));
    }

    /** {@code s} as a JSON string literal, quotes included. */
    static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
