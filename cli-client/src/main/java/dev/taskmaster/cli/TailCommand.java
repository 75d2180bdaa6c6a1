package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tail", description = {"Show the end of a process's output (stdout unless told otherwise);"
        + " live with --follow.", "Reads what the daemon keeps in memory; the log files hold more."})
final class TailCommand extends Verb {

    @Parameters(index = "0", paramLabel = "PROCESS", description = "The process (its full name, e.g. web or worker:0).")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "STREAM", completionCandidates = Streams.class,
            description = "stdout (default), stderr, or both (as they were written).")
    String stream;

    @Option(names = {"-f", "--follow"}, description = "Keep printing output as it comes, until Ctrl-C.")
    boolean follow;

    @ArgGroup(exclusive = true)
    Amount amount;

    @Option(names = "--json", description = "Print the answer as JSON (data in base64); with --follow, one object per message.")
    boolean json;

    /** How much of the end to show: lines (default 10) or bytes. */
    static final class Amount {
        @Option(names = {"-n", "--lines"}, paramLabel = "LINES", description = "The last LINES lines (default: 10).")
        Integer lines;

        @Option(names = {"-c", "--bytes"}, paramLabel = "BYTES", description = "The last BYTES bytes instead.")
        Long bytes;

        /** The bytes asked for with -c, if any. */
        static OptionalLong bytes(Amount a) {
            if (a == null || a.bytes == null) {
                return OptionalLong.empty();
            }
            if (a.bytes < 0) {
                throw new CtlException(ExitCodes.USAGE, "--bytes must be >= 0, got " + a.bytes);
            }
            return OptionalLong.of(a.bytes);
        }

        /** The lines asked for with -n, else 10. */
        static int lines(Amount a) {
            int lines = a != null && a.lines != null ? a.lines : 10;
            if (lines < 0) {
                throw new CtlException(ExitCodes.USAGE, "--lines must be >= 0, got " + lines);
            }
            return lines;
        }

        /** The end of the stream as asked (also by maintail): the last bytes with -c, else the last lines. */
        static ByteTail.End read(Amount a, ByteTail.Reader reader) {
            OptionalLong bytes = bytes(a);
            return bytes.isPresent() ? ByteTail.lastBytes(reader, bytes.getAsLong()) : ByteTail.lastLines(reader, lines(a));
        }
    }

    /** The values of STREAM, for completion and help. */
    static final class Streams implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("stdout", "stderr", "both").iterator();
        }
    }

    @Override
    public Integer call() {
        OutputStream which = stream(stream);
        ByteTail.Reader reader = (offset, max) -> {
            TailOutputRequest.Builder q = TailOutputRequest.newBuilder().setName(name).setStream(which).setMaxBytes(max);
            offset.ifPresent(q::setOffset);
            TailOutputResponse r = rpc().tailOutput(q.build());
            if (json) {
                Json.print(out(), r);
            }
            return new ByteTail.Piece(r.getData(), r.getOffset(), r.getNextOffset(), r.getBytesLost());
        };
        ByteTail.End end;
        if (json) {
            OptionalLong bytes = Amount.bytes(amount);
            if (bytes.isEmpty()) {
                Amount.lines(amount); // checked as without --json; one plain read is printed whatever the count
            }
            end = jsonOnly(reader, bytes.orElse(ByteTail.STEP));
        } else {
            end = Amount.read(amount, reader);
        }
        TextDecoder text = new TextDecoder();
        if (!json) {
            out().print(text.decode(end.data().toByteArray()));
            out().flush();
        }
        if (!follow) {
            out().print(text.finish());
            out().flush();
            return ExitCodes.OK;
        }
        return new OutputFollower(this, name, which, json).follow(end.nextOffset(), text);
    }

    /** With --json, one plain read, printed as it is (no line counting). */
    private static ByteTail.End jsonOnly(ByteTail.Reader reader, long bytes) {
        ByteTail.Piece p = reader.read(OptionalLong.empty(), bytes);
        return new ByteTail.End(p.data(), p.nextOffset());
    }

    static OutputStream stream(String word) {
        if (word == null) {
            return OutputStream.OUTPUT_STREAM_STDOUT;
        }
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "stdout" -> OutputStream.OUTPUT_STREAM_STDOUT;
            case "stderr" -> OutputStream.OUTPUT_STREAM_STDERR;
            case "both" -> OutputStream.OUTPUT_STREAM_COMBINED;
            default -> throw new CtlException(ExitCodes.USAGE, "unknown stream \"" + word + "\": use stdout, stderr or both");
        };
    }
}
