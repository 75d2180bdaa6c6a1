import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Is the daemon responsive while a program floods its output (issue 5: status p99 ≤ 50 ms)?
 * Calls ListProcesses every 10 ms on one connection until its standard input closes (the
 * harness closes it once the flood is in the log), timing each call.
 *
 * <p>Usage: StatusLatency SOCKET. Waits for a line on stdin (the harness's "go") before timing.
 * Prints one line: {@code RESULT p50_ms p99_ms max_ms n}, or {@code NA reason}.
 */
public final class StatusLatency {

    public static void main(String[] args) throws Exception {
        List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            // Warm up the connection and the code paths before the flood starts.
            for (int i = 0; i < 50; i++) {
                channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
            }
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                System.out.println("NA the harness went away");
                return;
            }
            // Set before the caller is interrupted: the call that interruption cancels is not a sample.
            java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
            Thread caller = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long t0 = System.nanoTime();
                    try {
                        channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
                    } catch (RuntimeException e) {
                        if (over.get()) {
                            return;
                        }
                        ms.add(10_000.0); // a failed call counts as the slowest possible answer
                        continue;
                    }
                    ms.add((System.nanoTime() - t0) / 1e6);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            // The rest of stdin: its end means the flood is over.
            while (System.in.read() >= 0) {
                // keep reading
            }
            over.set(true);
            caller.interrupt();
            caller.join(5000);
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
            System.out.println("NA no call completed during the flood");
            return;
        }
        double p50 = sorted.get((sorted.size() - 1) / 2);
        double p99 = sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * 0.99) - 1));
        System.out.printf(Locale.ROOT, "RESULT %.3f %.3f %.3f %d%n", p50, p99, sorted.getLast(), sorted.size());
    }
}
