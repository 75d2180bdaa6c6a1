package dev.taskmaster.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;

/**
 * {@code --json}: protobuf's canonical JSON mapping, one object per line (so a stream is JSON
 * Lines), with every field present even at its default, so scripts never test for absence.
 */
final class Json {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .omittingInsignificantWhitespace()
            .alwaysPrintFieldsWithNoPresence();

    private Json() {}

    static void print(PrintWriter out, MessageOrBuilder message) {
        out.println(text(message));
    }

    /** The message as one line of JSON. */
    static String text(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only an Any with an unknown type can fail, and the contract uses none with details.
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
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
