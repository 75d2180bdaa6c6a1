import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Context;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * SIGKILL of a supervised child → (a) the EXITED event at a WatchEvents client, (b) the
 * RUNNING event of its replacement. Usage: EventLatency SOCKET PROCESS ROUNDS. The process
 * must have autorestart always (or unexpected) and starttime 0.
 */
public final class EventLatency {
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String name = args[1];
        int rounds = Integer.parseInt(args[2]);
        List<Double> exited = new ArrayList<>();
        List<Double> running = new ArrayList<>();
        try (DaemonChannel channel = DaemonChannel.open(socket)) {
            var stub = TaskmasterServiceGrpc.newBlockingStub(channel.channel());
            Context.CancellableContext ctx = Context.current().withCancellation();
            Iterator<WatchEventsResponse> events = ctx.call(() -> stub.watchEvents(WatchEventsRequest.newBuilder().addTargets(name).build()));
            int pid = events.next().getSnapshot().getProcesses(0).getPid();
            for (int i = 0; i < rounds + 5; i++) {
                long t0 = System.nanoTime();
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                long tExit = 0;
                while (true) {
                    WatchEventsResponse r = events.next();
                    if (!r.hasEvent() || !r.getEvent().hasProcessStateChanged()) {
                        continue;
                    }
                    var c = r.getEvent().getProcessStateChanged();
                    if (c.getToState() == ProcessState.PROCESS_STATE_EXITED && tExit == 0) {
                        tExit = System.nanoTime();
                    }
                    if (c.getToState() == ProcessState.PROCESS_STATE_RUNNING) {
                        pid = c.getProcess().getPid();
                        if (i >= 5) { // the first rounds warm up
                            exited.add((tExit - t0) / 1e6);
                            running.add((System.nanoTime() - t0) / 1e6);
                        }
                        break;
                    }
                }
            }
            ctx.cancel(null);
        }
        System.out.printf(Locale.ROOT, "SIGKILL -> EXITED event: median %.3f ms, p99 %.3f ms (N=%d)%n",
                pct(exited, 50), pct(exited, 99), exited.size());
        System.out.printf(Locale.ROOT, "SIGKILL -> RUNNING event: median %.3f ms, p99 %.3f ms (N=%d)%n",
                pct(running, 50), pct(running, 99), running.size());
    }

    private static double pct(List<Double> v, int p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
