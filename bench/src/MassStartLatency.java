import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Does the daemon answer while it starts 1,000 programs (issue 17 §3: ListProcesses p99 ≤ 50 ms)?
 * On a connection opened and warmed up beforehand, sends StartProcesses(all) without waiting once
 * a line arrives on stdin (the harness's "go"), and from then on calls ListProcesses in a loop,
 * 5 ms apart, timing each call, until stdin closes (the harness closes it once every program
 * has written its start stamp). A call still unanswered then counts with the time it has waited.
 *
 * <p>Usage: MassStartLatency SOCKET. Prints {@code READY} once warmed up, then one line:
 * {@code RESULT p50_ms p99_ms max_ms n}, or {@code NA reason}.
 */
public final class MassStartLatency {

    private static int failures;

    public static void main(String[] args) throws Exception {
        List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            // Warm up the connection and this JVM's code paths: what is timed is the daemon.
            for (int i = 0; i < 50; i++) {
                channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
            }
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                System.out.println("NA the harness went away");
                return;
            }
            // The start answers once every launch was made: on another thread, not waited for here.
            CompletableFuture<StartProcessesResponse> started = CompletableFuture.supplyAsync(() -> channel
                    .blockingStub(Duration.ofSeconds(120)).startProcesses(StartProcessesRequest.newBuilder().addTargets("all").build()));
            // When the call in flight started (0: none): one still unanswered at the end counts as
            // at least as slow as it has been, or a daemon answering nothing during the start would have no samples.
            java.util.concurrent.atomic.AtomicLong inFlight = new java.util.concurrent.atomic.AtomicLong();
            Thread caller = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long t0 = System.nanoTime();
                    inFlight.set(t0);
                    try {
                        channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
                        inFlight.set(0);
                        ms.add((System.nanoTime() - t0) / 1e6);
                    } catch (RuntimeException e) {
                        if (Thread.currentThread().isInterrupted()) {
                            return; // the end: the call in flight was cancelled by this client (and counted), not failed
                        }
                        inFlight.set(0);
                        ms.add(10_000.0); // a failed call counts as the slowest possible answer
                        if (failures++ == 0) {
                            System.err.println("MassStartLatency: ListProcesses failed: " + e);
                        }
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            // The rest of stdin: its end means every program has started.
            while (System.in.read() >= 0) {
                // keep reading
            }
            long unanswered = inFlight.get();
            if (unanswered != 0) {
                ms.add((System.nanoTime() - unanswered) / 1e6);
            }
            caller.interrupt();
            caller.join(5000);
            try {
                started.join();
            } catch (RuntimeException e) {
                System.out.println("NA StartProcesses failed: " + e.getMessage());
                return;
            }
        } catch (IOException e) {
            System.out.println("NA " + e.getMessage());
            return;
        }
        List<Double> sorted;
        synchronized (ms) {
            sorted = new ArrayList<>(ms);
        }
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.println("NA no call completed during the start");
            return;
        }
        double p50 = sorted.get((sorted.size() - 1) / 2);
        double p99 = sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * 0.99) - 1));
        System.out.printf(Locale.ROOT, "RESULT %.3f %.3f %.3f %d%n", p50, p99, sorted.getLast(), sorted.size());
    }
}
