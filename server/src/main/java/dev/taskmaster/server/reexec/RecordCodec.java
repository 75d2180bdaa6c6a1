package dev.taskmaster.server.reexec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Writes and reads the daemon's immutable records ({@code EngineEvent}s and what they carry: the
 * process snapshots, program specs, exit records, configuration diffs) by their components, so
 * that the event journal survives a re-exec without a codec per event type. Only records and
 * enums of Taskmaster's own packages and a few JDK value types are known; anything else makes
 * {@link Unsupported}, and the caller hands over less (never something wrong).
 *
 * <p>The reader runs the same code as the writer (an execve of the same program, or a newer
 * one): a record whose components changed between versions fails to read, as {@link Unsupported}
 * too. Stateless; any thread.
 */
final class RecordCodec {

    /** A value this codec cannot write, or a stream it cannot read back. */
    static final class Unsupported extends Exception {
        Unsupported(String what) {
            super(what);
        }
    }

    private static final String OWN_PACKAGES = "dev.taskmaster.";

    private enum Tag {
        NULL, STRING, INT, LONG, BOOL, DOUBLE, INSTANT, DURATION, PATH, OPTIONAL_EMPTY, OPTIONAL, OPTIONAL_INT,
        OPTIONAL_LONG, OPTIONAL_DOUBLE, LIST, SET, MAP, ENUM, RECORD, BYTES, SHORT, CHAR, FLOAT, BYTE
    }

    private RecordCodec() {
    }

    static void write(DataOutputStream out, Object v) throws IOException, Unsupported {
        switch (v) {
            case null -> tag(out, Tag.NULL);
            case String s -> {
                tag(out, Tag.STRING);
                out.writeUTF(s.length() > 16_000 ? s.substring(0, 16_000) : s);
            }
            case Integer i -> {
                tag(out, Tag.INT);
                out.writeInt(i);
            }
            case Long l -> {
                tag(out, Tag.LONG);
                out.writeLong(l);
            }
            case Boolean b -> {
                tag(out, Tag.BOOL);
                out.writeBoolean(b);
            }
            case Double d -> {
                tag(out, Tag.DOUBLE);
                out.writeDouble(d);
            }
            case Float f -> {
                tag(out, Tag.FLOAT);
                out.writeFloat(f);
            }
            case Short s -> {
                tag(out, Tag.SHORT);
                out.writeShort(s);
            }
            case Byte b -> {
                tag(out, Tag.BYTE);
                out.writeByte(b);
            }
            case Character c -> {
                tag(out, Tag.CHAR);
                out.writeChar(c);
            }
            case Instant t -> {
                tag(out, Tag.INSTANT);
                out.writeLong(t.getEpochSecond());
                out.writeInt(t.getNano());
            }
            case Duration d -> {
                tag(out, Tag.DURATION);
                out.writeLong(d.getSeconds());
                out.writeInt(d.getNano());
            }
            case Path p -> {
                tag(out, Tag.PATH);
                out.writeUTF(p.toString());
            }
            case Optional<?> o -> {
                if (o.isEmpty()) {
                    tag(out, Tag.OPTIONAL_EMPTY);
                } else {
                    tag(out, Tag.OPTIONAL);
                    write(out, o.get());
                }
            }
            case OptionalInt o -> {
                tag(out, Tag.OPTIONAL_INT);
                out.writeBoolean(o.isPresent());
                out.writeInt(o.orElse(0));
            }
            case OptionalLong o -> {
                tag(out, Tag.OPTIONAL_LONG);
                out.writeBoolean(o.isPresent());
                out.writeLong(o.orElse(0));
            }
            case OptionalDouble o -> {
                tag(out, Tag.OPTIONAL_DOUBLE);
                out.writeBoolean(o.isPresent());
                out.writeDouble(o.orElse(0));
            }
            case byte[] b -> {
                tag(out, Tag.BYTES);
                out.writeInt(b.length);
                out.write(b);
            }
            case List<?> l -> {
                tag(out, Tag.LIST);
                out.writeInt(l.size());
                for (Object e : l) {
                    write(out, e);
                }
            }
            case Set<?> s -> {
                tag(out, Tag.SET);
                out.writeInt(s.size());
                for (Object e : s) {
                    write(out, e);
                }
            }
            case Map<?, ?> m -> {
                tag(out, Tag.MAP);
                out.writeInt(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    write(out, e.getKey());
                    write(out, e.getValue());
                }
            }
            case Enum<?> e -> {
                tag(out, Tag.ENUM);
                out.writeUTF(own(e.getDeclaringClass()).getName());
                out.writeUTF(e.name());
            }
            case Record r -> {
                tag(out, Tag.RECORD);
                Class<?> type = own(r.getClass());
                out.writeUTF(type.getName());
                RecordComponent[] components = type.getRecordComponents();
                out.writeShort(components.length);
                for (RecordComponent c : components) {
                    try {
                        c.getAccessor().setAccessible(true);
                        write(out, c.getAccessor().invoke(r));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        throw new Unsupported(type.getName() + "." + c.getName() + ": " + e);
                    }
                }
            }
            default -> throw new Unsupported("a " + v.getClass().getName());
        }
    }

    private static void tag(DataOutputStream out, Tag tag) throws IOException {
        out.writeByte(tag.ordinal());
    }

    private static Class<?> own(Class<?> type) throws Unsupported {
        if (!type.getName().startsWith(OWN_PACKAGES)) {
            throw new Unsupported("a " + type.getName());
        }
        return type;
    }

    static Object read(DataInputStream in) throws IOException, Unsupported {
        int t = in.readUnsignedByte();
        if (t >= Tag.values().length) {
            throw new Unsupported("unknown tag " + t);
        }
        return switch (Tag.values()[t]) {
            case NULL -> null;
            case STRING -> in.readUTF();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case BOOL -> in.readBoolean();
            case DOUBLE -> in.readDouble();
            case FLOAT -> in.readFloat();
            case SHORT -> in.readShort();
            case BYTE -> in.readByte();
            case CHAR -> in.readChar();
            case INSTANT -> Instant.ofEpochSecond(in.readLong(), in.readInt());
            case DURATION -> Duration.ofSeconds(in.readLong(), in.readInt());
            case PATH -> Path.of(in.readUTF());
            case OPTIONAL_EMPTY -> Optional.empty();
            case OPTIONAL -> Optional.of(read(in));
            case OPTIONAL_INT -> {
                boolean present = in.readBoolean();
                int v = in.readInt();
                yield present ? OptionalInt.of(v) : OptionalInt.empty();
            }
            case OPTIONAL_LONG -> {
                boolean present = in.readBoolean();
                long v = in.readLong();
                yield present ? OptionalLong.of(v) : OptionalLong.empty();
            }
            case OPTIONAL_DOUBLE -> {
                boolean present = in.readBoolean();
                double v = in.readDouble();
                yield present ? OptionalDouble.of(v) : OptionalDouble.empty();
            }
            case BYTES -> in.readNBytes(count(in));
            case LIST -> {
                int n = count(in);
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(read(in));
                }
                yield java.util.Collections.unmodifiableList(l);
            }
            case SET -> {
                int n = count(in);
                Set<Object> s = new LinkedHashSet<>();
                for (int i = 0; i < n; i++) {
                    s.add(read(in));
                }
                yield java.util.Collections.unmodifiableSet(s);
            }
            case MAP -> {
                int n = count(in);
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    m.put(read(in), read(in));
                }
                yield java.util.Collections.unmodifiableMap(m);
            }
            case ENUM -> enumValue(type(in.readUTF()), in.readUTF());
            case RECORD -> record(in);
        };
    }

    private static int count(DataInputStream in) throws IOException, Unsupported {
        int n = in.readInt();
        if (n < 0 || n > 64 * 1024 * 1024) {
            throw new Unsupported("a count of " + n);
        }
        return n;
    }

    private static Class<?> type(String name) throws Unsupported {
        if (!name.startsWith(OWN_PACKAGES)) {
            throw new Unsupported("a " + name);
        }
        try {
            return Class.forName(name, false, RecordCodec.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new Unsupported("no class " + name + " in this version");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> type, String name) throws Unsupported {
        if (!type.isEnum()) {
            throw new Unsupported(type.getName() + " is not an enum");
        }
        try {
            return Enum.valueOf((Class) type, name);
        } catch (IllegalArgumentException e) {
            throw new Unsupported("no " + type.getName() + "." + name + " in this version");
        }
    }

    private static Object record(DataInputStream in) throws IOException, Unsupported {
        Class<?> type = type(in.readUTF());
        if (!type.isRecord()) {
            throw new Unsupported(type.getName() + " is not a record");
        }
        RecordComponent[] components = type.getRecordComponents();
        int n = in.readShort();
        if (n != components.length) {
            throw new Unsupported(type.getName() + " has " + components.length + " components in this version, not " + n);
        }
        Object[] values = new Object[n];
        Class<?>[] types = new Class<?>[n];
        for (int i = 0; i < n; i++) {
            values[i] = read(in);
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            return canonical.newInstance(values);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new Unsupported("cannot make a " + type.getName() + ": " + e);
        }
    }
}
