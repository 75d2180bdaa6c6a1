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
        try {
            out.println(PRINTER.print(message));
        } catch (InvalidProtocolBufferException e) {
            // Only an Any with an unknown type can fail, and the contract uses none with details.
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }
}
