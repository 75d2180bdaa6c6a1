package dev.taskmaster.cli;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "events", description = {"Show the event journal: a snapshot, or the events since SEQ; live with --follow.",
        "Without --follow it stops at the latest event; with it, at Ctrl-C or when the daemon shuts down."})
final class EventsCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = "Only events about these processes (default: all).")
    List<String> targets;

    @Option(names = {"-f", "--follow"}, description = "Keep printing live events (no deadline) until interrupted or the daemon stops.")
    boolean follow;

    // Sent as from_sequence as is: the daemon replays "every kept event with sequence >= N", so SEQ itself comes first.
    @Option(names = "--since", paramLabel = "SEQ", description = "Replay the kept events from this sequence number on (SEQ included;"
            + " after event #N, pass N+1), instead of a snapshot.")
    long since;

    @Option(names = "--json", description = "Print each WatchEvents message as one JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
        if (since < 0) {
            throw new CtlException(ExitCodes.USAGE, "--since must be a sequence number >= 1");
        }
        seen = Math.max(0, since - 1);
        WatchEventsRequest.Builder request = WatchEventsRequest.newBuilder().setFromSequence(since).addAllTargets(orEmpty(targets));
        long upTo = -1;
        TaskmasterServiceBlockingStub stub;
        if (follow) {
            stub = root.daemon().unboundedBlockingStub();
        } else {
            // The stream never ends by itself: stop once it reaches what the journal held when we asked.
            upTo = rpc().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getLatestSequence();
            if (since > upTo) {
                return ExitCodes.OK; // nothing that recent yet
            }
            // A heartbeat means the stream went idle, so the replay is over even if filtered events hid the last sequence.
            request.setHeartbeatInterval(Durations.fromSeconds(1));
            stub = rpc();
        }
        long last = follow ? Long.MAX_VALUE : upTo;
        while (true) {
            try (Context.CancellableContext call = Context.current().withCancellation()) {
                // Cancelling the context ends the call when we stop early (closing it cancels).
                return call.call(() -> read(stub.watchEvents(request.build()), last));
            } catch (StatusRuntimeException e) {
                if (!follow || !DaemonReturn.resumable(e, reexecUntil)) {
                    throw e;
                }
                if (DaemonReturn.isReexec(e)) {
                    reexecUntil = System.nanoTime() + DaemonReturn.LIMIT.toNanos();
                }
                // The daemon re-executes itself: same journal, same numbering; go on after the last event seen.
                DaemonReturn.await(root.daemon(), DaemonReturn.LIMIT, info -> true);
                request.setFromSequence(seen + 1);
                if (!journal.isEmpty()) {
                    request.setJournalId(journal);
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The last sequence printed (an event's, or a snapshot's), and the journal it belongs to: where a resumed follow starts. */
    private long seen;
    /** Until when (System.nanoTime) an unreachable daemon is taken for one still re-executing. */
    private long reexecUntil = Long.MIN_VALUE;
    private String journal = "";

    private int read(Iterator<WatchEventsResponse> stream, long upTo) {
        boolean shuttingDown = false;
        try {
            while (stream.hasNext()) {
                WatchEventsResponse m = stream.next();
                switch (m.getKindCase()) {
                    case EVENT -> seen = Math.max(seen, m.getEvent().getSequence());
                    case SNAPSHOT -> {
                        seen = Math.max(seen, m.getSnapshot().getSequence());
                        journal = m.getSnapshot().getJournalId();
                    }
                    default -> { }
                }
                if (json) {
                    if (m.getKindCase() != WatchEventsResponse.KindCase.HEARTBEAT) {
                        Json.print(out(), m);
                    }
                } else {
                    EventLines.of(m, session().zone()).forEach(out()::println);
                }
                // Each message reaches stdout as it arrives (scripts follow it through a pipe, issue 17):
                // flushed here, not left to the writer's autoflush, which a faster start-up may drop.
                out().flush();
                shuttingDown |= m.hasEvent() && m.getEvent().getPayloadCase() == Event.PayloadCase.DAEMON_SHUTTING_DOWN;
                if (reached(m, upTo)) {
                    break;
                }
            }
        } catch (StatusRuntimeException e) {
            // The daemon ends every watch with UNAVAILABLE when it shuts down: that is the end of the journal, not a failure.
            if (!(shuttingDown && e.getStatus().getCode() == Status.Code.UNAVAILABLE)) {
                throw e;
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    private static boolean reached(WatchEventsResponse m, long upTo) {
        return switch (m.getKindCase()) {
            case SNAPSHOT -> m.getSnapshot().getSequence() >= upTo;
            case EVENT -> m.getEvent().getSequence() >= upTo;
            case HEARTBEAT -> upTo != Long.MAX_VALUE;
            default -> false;
        };
    }
}
