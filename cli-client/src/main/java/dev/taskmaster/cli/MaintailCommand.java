package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.ReadDaemonLogResponse;
import java.time.Duration;
import java.util.OptionalLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "maintail", description = {"Show the end of the daemon's own log; live with --follow."})
final class MaintailCommand extends Verb {

    /** How often --follow asks for more: the daemon log has no stream of its own. */
    static final Duration POLL = Duration.ofMillis(500);

    @Option(names = {"-f", "--follow"}, description = "Keep printing new log lines until Ctrl-C.")
    boolean follow;

    @ArgGroup(exclusive = true)
    TailCommand.Amount amount;

    @Override
    public Integer call() {
        ByteTail.Reader reader = (offset, max) -> {
            ReadDaemonLogRequest.Builder q = ReadDaemonLogRequest.newBuilder().setMaxBytes(max);
            offset.ifPresent(q::setOffset);
            ReadDaemonLogResponse r = rpc().readDaemonLog(q.build());
            return new ByteTail.Piece(r.getData(), r.getOffset(), r.getNextOffset(), r.getBytesLost());
        };
        ByteTail.End end = TailCommand.Amount.read(amount, reader);
        TextDecoder text = new TextDecoder();
        out().print(text.decode(end.data().toByteArray()));
        out().flush();
        long next = end.nextOffset();
        while (follow) {
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                break; // Ctrl-C in the shell: the end of following, not a failure
            }
            ByteTail.Piece p = reader.read(OptionalLong.of(next), 0);
            if (p.bytesLost() > 0) {
                out().flush();
                err().println("taskmasterctl: " + p.bytesLost() + " bytes of the daemon log were rotated away before they were shown");
                err().flush();
            }
            out().print(text.decode(p.data().toByteArray()));
            out().flush();
            next = p.nextOffset();
        }
        out().print(text.finish());
        out().flush();
        return ExitCodes.OK;
    }
}
