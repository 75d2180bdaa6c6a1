import com.google.protobuf.util.JsonFormat;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The API prober and event recorder of bench/chaos: one per scenario, running from before the
 * fault until after it.
 *
 * <p>Usage: {@code ChaosProbe SOCKET EVENTS_FILE CONNECT_SECONDS}. It waits up to CONNECT_SECONDS
 * for the daemon to answer (the socket may not exist yet: a scenario may start the prober before
 * the daemon), records every {@code WatchEventsResponse} from the first event of the daemon run
 * on ({@code from_sequence 1}) into EVENTS_FILE as one JSON object per line (protobuf's canonical
 * JSON mapping, which lib/chaos*.py read: not the shape of {@code taskmasterctl events --json},
 * docs/cli.md "JSON output"), warms up and prints {@code READY
 * <wall ns of the first answer>}. Then it reads commands on standard input, one per line:
 * <ul>
 * <li>{@code go}: start calling {@code ListProcesses} every 10 ms on a connection of its own,
 * timing each call (a call that fails counts with the time it took to fail, and as a failure);
 * <li>{@code list}: print {@code LIST <ListProcessesResponse as JSON>} (the state right now);
 * <li>{@code lap}: print {@code LAP p50_ms p99_ms max_ms calls} of the calls since the previous lap
 * (a quiet stretch before the fault, to tell the host's latency from the fault's);
 * <li>{@code stop} or the end of standard input: stop, flush the events, print
 * {@code RESULT p50_ms p99_ms max_ms calls failures events stream_end} and exit 0.
 * </ul>
 * or {@code NA reason} when the daemon never answered. Two connections, because callbacks run on
 * the connection's event loop (DaemonChannel's direct executor): writing events must not delay
 * the timed calls.
 */
public final class ChaosProbe {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(5);
    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        Path eventsFile = Path.of(args[1]);
        long connectLimit = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
        DaemonChannel status = connect(socket, connectLimit);
        if (status == null) {
            System.out.println("NA the daemon did not answer within " + args[2] + " s");
            return;
        }
        long firstAnswer = System.currentTimeMillis() * 1_000_000L;
        try (DaemonChannel events = DaemonChannel.open(socket);
             BufferedWriter out = Files.newBufferedWriter(eventsFile, StandardCharsets.UTF_8)) {
            EventRecorder recorder = new EventRecorder(out);
            TaskmasterServiceGrpc.newStub(events.channel())
                    .watchEvents(WatchEventsRequest.newBuilder().setFromSequence(1).build(), recorder);
            for (int i = 0; i < 30; i++) {
                call(status);
            }
            System.out.println("READY " + firstAnswer);
            System.out.flush();
            Prober prober = null;
            for (String line; (line = readLine()) != null && !line.equals("stop"); ) {
                switch (line) {
                    case "go" -> {
                        if (prober == null) {
                            prober = new Prober(status);
                            prober.thread.start();
                        }
                    }
                    case "list" -> {
                        String json;
                        try {
                            json = JSON.print(status.blockingStub(CALL_DEADLINE).listProcesses(ListProcessesRequest.getDefaultInstance()));
                        } catch (RuntimeException e) {
                            json = "{\"error\":" + quote(String.valueOf(e.getMessage())) + "}";
                        }
                        System.out.println("LIST " + json);
                        System.out.flush();
                    }
                    case "lap" -> {
                        List<Double> lap = prober == null ? List.of() : prober.lap();
                        System.out.println(lap.isEmpty() ? "LAP - - - 0" : String.format(Locale.ROOT, "LAP %.3f %.3f %.3f %d",
                                percentile(lap, 50), percentile(lap, 99), lap.getLast(), lap.size()));
                        System.out.flush();
                    }
                    default -> System.out.println("ERROR unknown command " + line);
                }
            }
            List<Double> ms = prober == null ? List.of() : prober.finish();
            String end = recorder.finish();
            int failures = prober == null ? 0 : prober.failures.get();
            if (ms.isEmpty()) {
                System.out.printf(Locale.ROOT, "RESULT - - - 0 %d %d %s%n", failures, recorder.count.get(), end);
            } else {
                System.out.printf(Locale.ROOT, "RESULT %.3f %.3f %.3f %d %d %d %s%n", percentile(ms, 50), percentile(ms, 99),
                        ms.getLast(), ms.size(), failures, recorder.count.get(), end);
            }
        } finally {
            status.close();
        }
    }

    /** Nearest-rank percentile of an ascending, non-empty list. */
    private static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * p / 100.0) - 1));
    }

    /** The first connection that answers a call, or null once the limit has passed. */
    private static DaemonChannel connect(Path socket, long limitNanos) throws InterruptedException {
        while (true) {
            if (Files.exists(socket)) {
                DaemonChannel c = null;
                try {
                    c = DaemonChannel.open(socket);
                    call(c);
                    return c;
                } catch (RuntimeException notYet) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
            if (System.nanoTime() > limitNanos) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    /**
     * One line of standard input, or null at its end. Read byte by byte from System.in: a
     * BufferedReader over it was seen to hold a complete line back until more input came.
     */
    private static String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = System.in.read()) != '\n'; ) {
            if (c < 0) {
                return b.isEmpty() ? null : b.toString();
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static ListProcessesResponse call(DaemonChannel c) {
        return c.blockingStub(CALL_DEADLINE).listProcesses(ListProcessesRequest.getDefaultInstance());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /**
     * Calls ListProcesses every 10 ms until {@link #finish}; a failed call is timed and counted
     * too. Stopped by a flag, not an interrupt: an interrupt would cancel the call in flight,
     * which would count as a failure of the daemon.
     */
    private static final class Prober implements Runnable {
        final List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger failures = new AtomicInteger();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread = Thread.ofPlatform().daemon().name("prober").unstarted(this);
        private final DaemonChannel channel;

        Prober(DaemonChannel channel) {
            this.channel = channel;
        }

        @Override
        public void run() {
            while (running.get()) {
                long t0 = System.nanoTime();
                try {
                    call(channel);
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
                ms.add((System.nanoTime() - t0) / 1e6);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private int lapStart;

        /** The calls since the previous lap, sorted (the main thread's only: not synchronized with itself). */
        List<Double> lap() {
            List<Double> lap;
            synchronized (ms) {
                lap = new ArrayList<>(ms.subList(lapStart, ms.size()));
                lapStart = ms.size();
            }
            Collections.sort(lap);
            return lap;
        }

        List<Double> finish() throws InterruptedException {
            running.set(false);
            thread.join(CALL_DEADLINE.toMillis() + 1000);
            List<Double> sorted;
            synchronized (ms) {
                sorted = new ArrayList<>(ms);
            }
            Collections.sort(sorted);
            return sorted;
        }
    }

    /** Writes each message of the event stream as a JSON line; runs on the events connection's loop. */
    private static final class EventRecorder implements StreamObserver<WatchEventsResponse> {
        final AtomicInteger count = new AtomicInteger();
        private final BufferedWriter out;
        private final AtomicReference<String> end = new AtomicReference<>();

        EventRecorder(BufferedWriter out) {
            this.out = out;
        }

        @Override
        public synchronized void onNext(WatchEventsResponse value) {
            try {
                out.write(JSON.print(value));
                out.newLine();
                out.flush();
                count.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            end.compareAndSet(null, Status.fromThrowable(t).getCode().name());
        }

        @Override
        public void onCompleted() {
            end.compareAndSet(null, "COMPLETED");
        }

        /** How the stream ended ("open" if it still is); flushes what was written. */
        synchronized String finish() throws IOException {
            out.flush();
            String e = end.get();
            return e == null ? "open" : e;
        }
    }
}
