package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The test side of {@code --json}: reads a line back into the message it came from, checking on
 * the way every rule docs/cli.md ("JSON output") states — each object has exactly the keys of its
 * message's fields, in field order; null only where a field can be unset (or a double is not a
 * number); each value of the JSON type its field's type promises. A test then compares the
 * message read with the one sent, so a line that breaks a rule or loses a value fails it.
 *
 * <p>Written apart from {@link Json}, from the documented rules (the enum prefix, the time
 * formats), so that the two do not share a mistake. Parses with Gson (on the classpath through
 * grpc-core), strictly: comments, unquoted names or trailing text are errors.
 */
final class JsonShape {

    static final BigInteger MAX_EXACT = BigInteger.TWO.pow(53).subtract(BigInteger.ONE);

    private JsonShape() {}

    /** One line of strict JSON, the whole line. */
    static JsonElement parse(String line) {
        assertThat(line).as("one line").doesNotContain("\n");
        try (JsonReader reader = new JsonReader(new StringReader(line))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            assertThat(reader.peek()).as("nothing after the value in %s", line).isEqualTo(JsonToken.END_DOCUMENT);
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static JsonObject object(String line) {
        JsonElement e = parse(line);
        assertThat(e.isJsonObject()).as("an object: %s", line).isTrue();
        return e.getAsJsonObject();
    }

    /** The line read back into a message of {@code builder}'s type, checking the shape on the way. */
    @SuppressWarnings("unchecked")
    static <M extends Message> M read(String line, Message.Builder builder) {
        read(object(line), builder, builder.getDescriptorForType().getName());
        return (M) builder.build();
    }

    static void read(JsonObject o, Message.Builder b, String path) {
        Descriptor type = b.getDescriptorForType();
        List<String> keys = new ArrayList<>();
        for (FieldDescriptor f : type.getFields()) {
            keys.add(f.getJsonName());
        }
        assertThat(new ArrayList<>(o.keySet())).as("the keys of %s (%s)", path, type.getFullName()).containsExactlyElementsOf(keys);
        for (FieldDescriptor f : type.getFields()) {
            JsonElement v = o.get(f.getJsonName());
            String at = path + "." + f.getJsonName();
            if (f.isMapField()) {
                assertThat(v.isJsonObject()).as("%s is an object (a map)", at).isTrue();
                FieldDescriptor keyField = f.getMessageType().findFieldByNumber(1);
                FieldDescriptor valueField = f.getMessageType().findFieldByNumber(2);
                List<String> mapKeys = new ArrayList<>(v.getAsJsonObject().keySet());
                assertThat(mapKeys).as("%s: keys in sorted order", at).isSorted();
                for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                    Message.Builder entry = b.newBuilderForField(f);
                    entry.setField(keyField, mapKey(keyField, e.getKey()));
                    entry.setField(valueField, value(valueField, e.getValue(), entry, at + "[" + e.getKey() + "]"));
                    b.addRepeatedField(f, entry.build());
                }
            } else if (f.isRepeated()) {
                assertThat(v.isJsonArray()).as("%s is an array", at).isTrue();
                JsonArray a = v.getAsJsonArray();
                for (int i = 0; i < a.size(); i++) {
                    b.addRepeatedField(f, value(f, a.get(i), b, at + "[" + i + "]"));
                }
            } else if (v.isJsonNull() && f.hasPresence()) {
                assertThat(b.hasField(f)).isFalse();
            } else {
                b.setField(f, value(f, v, b, at));
            }
        }
    }

    private static Object value(FieldDescriptor f, JsonElement v, Message.Builder parent, String at) {
        switch (f.getJavaType()) {
            case DOUBLE, FLOAT -> {
                if (v.isJsonNull()) {
                    return f.getJavaType() == FieldDescriptor.JavaType.DOUBLE ? (Object) Double.NaN : (Object) Float.NaN;
                }
                number(v, at);
                String text = v.getAsString(); // read as written: the shortest text of the double, parsed back to it
                return f.getJavaType() == FieldDescriptor.JavaType.DOUBLE ? (Object) Double.parseDouble(text) : (Object) Float.parseFloat(text);
            }
            case INT -> {
                BigInteger n = integer(v, at);
                boolean unsigned = f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32;
                assertThat(n).as("%s fits its type", at).isBetween(
                        unsigned ? BigInteger.ZERO : BigInteger.valueOf(Integer.MIN_VALUE),
                        unsigned ? BigInteger.TWO.pow(32).subtract(BigInteger.ONE) : BigInteger.valueOf(Integer.MAX_VALUE));
                return n.intValue();
            }
            case LONG -> {
                BigInteger n;
                if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                    n = new BigInteger(v.getAsString());
                    assertThat(n.abs()).as("%s: a string only beyond 2^53 - 1", at).isGreaterThan(MAX_EXACT);
                } else {
                    n = integer(v, at);
                    assertThat(n.abs()).as("%s: a number only up to 2^53 - 1", at).isLessThanOrEqualTo(MAX_EXACT);
                }
                return n.longValue(); // unsigned 64-bit values above 2^63 - 1 wrap as protobuf-java holds them
            }
            case BOOLEAN -> {
                assertThat(v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean()).as("%s is a boolean: %s", at, v).isTrue();
                return v.getAsBoolean();
            }
            case STRING -> {
                return string(v, at);
            }
            case BYTE_STRING -> {
                return ByteString.copyFrom(Base64.getDecoder().decode(string(v, at)));
            }
            case ENUM -> {
                return enumValue(f.getEnumType(), string(v, at), at);
            }
            case MESSAGE -> {
                return message(f, v, parent, at);
            }
        }
        throw new AssertionError(at + ": type " + f.getType());
    }

    private static Message message(FieldDescriptor f, JsonElement v, Message.Builder parent, String at) {
        String name = f.getMessageType().getFullName();
        if (name.equals(Timestamp.getDescriptor().getFullName())) {
            String s = string(v, at);
            assertThat(s).as("%s: RFC 3339 in UTC, fraction of 0, 3, 6 or 9 digits", at)
                    .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3}|\\.\\d{6}|\\.\\d{9})?Z");
            Instant t = Instant.parse(s);
            return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
        }
        if (name.equals(Duration.getDescriptor().getFullName())) {
            BigDecimal seconds = number(v, at);
            assertThat(seconds.scale()).as("%s: at most 9 decimals", at).isLessThanOrEqualTo(9);
            BigDecimal whole = new BigDecimal(seconds.toBigInteger());
            return Duration.newBuilder().setSeconds(whole.longValueExact())
                    .setNanos(seconds.subtract(whole).movePointRight(9).intValueExact()).build();
        }
        assertThat(v.isJsonObject()).as("%s is an object: %s", at, v).isTrue();
        Message.Builder b = parent.newBuilderForField(f);
        read(v.getAsJsonObject(), b, at);
        return b.build();
    }

    private static EnumValueDescriptor enumValue(EnumDescriptor type, String s, String at) {
        if (s.matches("-?[0-9]+")) {
            int number = Integer.parseInt(s);
            assertThat(type.findValueByNumber(number)).as("%s: a number only for a value this client does not know", at).isNull();
            return type.findValueByNumberCreatingIfUnknown(number);
        }
        String prefix = type.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
        assertThat(s).as("%s: without the prefix %s", at, prefix).doesNotStartWith(prefix);
        EnumValueDescriptor value = type.findValueByName(prefix + s);
        assertThat(value).as("%s: %s is a value of %s", at, s, type.getFullName()).isNotNull();
        return value;
    }

    private static Object mapKey(FieldDescriptor keyField, String key) {
        return switch (keyField.getJavaType()) {
            case STRING -> key;
            case BOOLEAN -> Boolean.parseBoolean(key);
            case INT -> new BigInteger(key).intValue();
            case LONG -> new BigInteger(key).longValue();
            default -> fail("a map key of type " + keyField.getType());
        };
    }

    private static String string(JsonElement v, String at) {
        assertThat(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()).as("%s is a string: %s", at, v).isTrue();
        return v.getAsString();
    }

    private static BigDecimal number(JsonElement v, String at) {
        assertThat(v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()).as("%s is a number: %s", at, v).isTrue();
        return new BigDecimal(v.getAsJsonPrimitive().getAsString());
    }

    private static BigInteger integer(JsonElement v, String at) {
        BigDecimal d = number(v, at);
        assertThat(v.getAsString()).as("%s is an integer written as one", at).matches("-?[0-9]+");
        return d.toBigIntegerExact();
    }

    /** The value at a jq-like path of names and indexes ({@code "processes", 0, "state"}). */
    static JsonElement at(JsonElement root, Object... path) {
        JsonElement e = root;
        for (Object step : path) {
            e = step instanceof Integer i ? e.getAsJsonArray().get(i) : e.getAsJsonObject().get((String) step);
            assertThat(e).as("%s in %s", step, root).isNotNull();
        }
        return e;
    }

    static JsonPrimitive primitive(JsonElement root, Object... path) {
        JsonElement e = at(root, path);
        assertThat(e.isJsonPrimitive()).as("%s is a primitive", List.of(path)).isTrue();
        return e.getAsJsonPrimitive();
    }
}
