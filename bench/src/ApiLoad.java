import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonChannels;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The API under load (issue 17, §4): CLIENTS connections to the daemon, each its own thread
 * calling in a loop, with no pause, for SECONDS; every call timed.
 *
 * <ul>
 *   <li>{@code list}: ListProcesses of every process (usage included, as `status` asks for it);
 *   <li>{@code startstop}: client i takes program TARGETS[i % n] and calls StartProcesses then
 *       StopProcesses on it (wait false: the answer comes once the start or the stop is under
 *       way), so several clients race on each program. A refusal (already running, not running)
 *       is an answer like any other: it is timed, and counted apart.
 * </ul>
 *
 * <p>Each client is its own channel (connection), all on one shared event loop of 2 threads,
 * so the 100 clients cost the daemon 100 connections but this JVM only 100 calling threads.
 * Every connection is warmed up (20 calls) before the harness's "go" line on stdin, and the
 * harness reads the daemon's RSS while the timed window runs.
 *
 * <p>Usage: ApiLoad SOCKET list|startstop CLIENTS SECONDS [TARGET...]. Prints READY, then
 * after the window {@code RESULT p50_ms p99_ms max_ms calls failed refused}, or {@code NA reason}.
 */
public final class ApiLoad {

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        boolean list = args[1].equals("list");
        int clients = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        List<String> targets = List.of(args).subList(4, args.length);
        if (!list && targets.isEmpty()) {
            System.out.println("NA startstop needs programs to start and stop");
            return;
        }
        AtomicLong failed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<List<Double>> perClient = new ArrayList<>();
        try (DaemonChannels channels = new DaemonChannels(2)) {
            List<TaskmasterServiceBlockingStub> stubs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                DaemonChannel c = channels.open(DaemonTarget.unix(socket));
                TaskmasterServiceBlockingStub stub = TaskmasterServiceGrpc.newBlockingStub(c.channel());
                for (int w = 0; w < 20; w++) {
                    stub.withDeadlineAfter(Duration.ofSeconds(30)).listProcesses(ListProcessesRequest.getDefaultInstance());
                }
                stubs.add(stub);
                perClient.add(new ArrayList<>(1 << 14));
            }
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                System.out.println("NA the harness went away");
                return;
            }
            long end = System.nanoTime() + (long) (seconds * 1e9);
            CountDownLatch done = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                TaskmasterServiceBlockingStub stub = stubs.get(i);
                List<Double> ms = perClient.get(i);
                String target = list ? null : targets.get(i % targets.size());
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        boolean start = true;
                        while (System.nanoTime() < end) {
                            long t0 = System.nanoTime();
                            try {
                                TaskmasterServiceBlockingStub s = stub.withDeadlineAfter(Duration.ofSeconds(10));
                                if (list) {
                                    s.listProcesses(ListProcessesRequest.getDefaultInstance());
                                } else if (start) {
                                    refused.addAndGet(s.startProcesses(StartProcessesRequest.newBuilder().addTargets(target).build())
                                            .getResultsList().stream().filter(r -> r.getStatus().getCode() != 0).count());
                                } else {
                                    refused.addAndGet(s.stopProcesses(StopProcessesRequest.newBuilder().addTargets(target).build())
                                            .getResultsList().stream().filter(r -> r.getStatus().getCode() != 0).count());
                                }
                            } catch (RuntimeException e) {
                                failed.incrementAndGet(); // timed all the same: a failure is an answer, late or not
                            }
                            ms.add((System.nanoTime() - t0) / 1e6);
                            start = !start;
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
        } catch (RuntimeException e) {
            System.out.println("NA " + e);
            return;
        }
        List<Double> all = new ArrayList<>();
        perClient.forEach(all::addAll);
        Collections.sort(all);
        if (all.isEmpty()) {
            System.out.println("NA no call completed");
            return;
        }
        double p50 = all.get((all.size() - 1) / 2);
        double p99 = all.get(Math.max(0, (int) Math.ceil(all.size() * 0.99) - 1));
        System.out.printf(Locale.ROOT, "RESULT %.3f %.3f %.3f %d %d %d%n", p50, p99, all.getLast(), all.size(), failed.get(),
                refused.get());
    }
}
