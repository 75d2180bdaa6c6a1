package dev.taskmaster.server.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail, one line per call in the daemon log under the logger {@code audit}: who (the
 * caller's identity and role), from where (its transport), what (the RPC and what it named:
 * targets, program, signal…), and the result (the call's status). Written for every call that
 * needs the operator or admin role, every attach with input, and every call refused for want of
 * credentials or role. What a caller types into a process is never written, only its size.
 * Caller-supplied text is escaped, so no request can forge a line. Thread-safe (stateless).
 */
public final class AuditLog {

    /** The logger name; the daemon log keeps it at INFO whatever {@code server.loglevel} says. */
    public static final String LOGGER = "audit";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    /** A call that was let through, once it has ended. */
    void call(Caller caller, String rpc, Message request, Status status) {
        String line = who(caller) + " from " + clean(caller.transport()) + ": " + what(rpc, request) + " -> " + result(status);
        if (status.isOk()) {
            log.info(line);
        } else {
            log.warn(line);
        }
    }

    /** A call refused before it ran: unknown caller, or a role too low. */
    void refused(Caller caller, String transport, String rpc, Status status) {
        log.warn("{} from {}: {} -> {}", caller == null ? "unidentified caller" : who(caller), clean(transport), rpc,
                result(status));
    }

    private static String who(Caller caller) {
        return clean(caller.identity()) + " [" + Caller.name(caller.role()) + "]";
    }

    private static String result(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + clean(status.getDescription()));
    }

    /** The RPC and the request's fields that say what it acts on. */
    static String what(String rpc, Message request) {
        if (request == null) {
            return rpc;
        }
        List<String> parts = new ArrayList<>();
        parts.add(rpc);
        for (FieldDescriptor f : request.getDescriptorForType().getFields()) {
            if (f.isRepeated() ? request.getRepeatedFieldCount(f) == 0 : !request.hasField(f)
                    && f.getJavaType() != FieldDescriptor.JavaType.STRING) {
                continue;
            }
            Object value = request.getField(f);
            switch (f.getJavaType()) {
                case STRING -> {
                    if (f.isRepeated()) {
                        @SuppressWarnings("unchecked")
                        List<String> values = (List<String>) value;
                        parts.add(f.getName() + "=[" + String.join(", ", values.stream().map(AuditLog::quoted).toList()) + "]");
                    } else if (((String) value).isEmpty()) {
                        continue;
                    } else if (f.getName().equals("yaml")) {
                        parts.add("program=" + quoted(firstKey((String) value)));
                    } else if (!f.getName().equals("session_id")) {
                        parts.add(f.getName() + "=" + quoted((String) value));
                    }
                }
                case BYTE_STRING -> parts.add(f.getName() + "=" + ((ByteString) value).size() + " bytes");
                case MESSAGE -> {
                    Message m = (Message) value;
                    FieldDescriptor name = m.getDescriptorForType().findFieldByName("name");
                    if (name != null && name.getJavaType() == FieldDescriptor.JavaType.STRING) {
                        parts.add("program=" + quoted((String) m.getField(name)));
                    }
                }
                case ENUM -> {
                    EnumValueDescriptor e = (EnumValueDescriptor) value;
                    if (e.getNumber() != 0) {
                        parts.add(f.getName() + "=" + e.getName().toLowerCase(Locale.ROOT));
                    }
                }
                default -> {
                    if (!value.equals(f.getDefaultValue())) {
                        parts.add(f.getName() + "=" + value);
                    }
                }
            }
        }
        return String.join(" ", parts);
    }

    private static String firstKey(String yaml) {
        for (String line : yaml.split("\n")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                int colon = s.indexOf(':');
                return colon > 0 ? s.substring(0, colon).strip() : s;
            }
        }
        return "";
    }

    private static String quoted(String s) {
        return "\"" + clean(s).replace("\"", "\\\"") + "\"";
    }

    /** Control characters (a newline above all) escaped, so a line stays one line. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
