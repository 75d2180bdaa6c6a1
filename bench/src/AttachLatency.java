import com.google.protobuf.ByteString;
import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keystroke → echo round trip through attach (issue 5). Attaches to a process with
 * {@code AttachOutput} (input mode EXCLUSIVE, no scrollback), then, one keystroke at a time,
 * takes the time, sends one byte with {@code SendInput} and waits for that byte to come back in
 * the attach stream. The process is expected to echo what it reads (a {@code tty: true} program
 * running {@code stty raw -echo; exec cat}, so the echo goes through the program, as with a
 * shell's line editor).
 *
 * <p>Usage: AttachLatency TARGET PROCESS KEYSTROKES WARMUP [--ca FILE] [--cert FILE --key FILE]
 * [--token-file FILE] [--plaintext]. TARGET is the daemon as taskmasterctl's {@code --server}
 * takes it: a socket path (anything with a {@code /}), {@code unix:///PATH}, or {@code HOST:PORT}
 * (TCP with TLS, mutual with {@code --cert}/{@code --key}; bench/fleet compares the two). The
 * channel is the real client's ({@link DaemonChannel#open(DaemonTarget)}). Prints exactly one
 * line on stdout, read by bench/lib/output.py and bench/lib/fleet.py:
 * <pre>
 *   RESULT median_ms p99_ms min_ms max_ms n tty
 *   NA reason
 * </pre>
 * and exits 0 either way: a build without attach is a result ("n/a"), not a failure.
 */
public final class AttachLatency {

    /** Longest wait for one echo; a lost keystroke must end the run, not hang it. */
    private static final Duration ECHO_TIMEOUT = Duration.ofSeconds(5);

    /** What the stream observer hands to the main thread; at is taken on arrival, in onNext. */
    private record Item(AttachOutputResponse response, Throwable error, long at) {
    }

    public static void main(String[] args) throws Exception {
        ServerAddress address = ServerAddress.parse(args[0]);
        String name = args[1];
        int keystrokes = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        Path ca = null;
        Path cert = null;
        Path key = null;
        Path token = null;
        boolean plaintext = false;
        for (int i = 4; i < args.length; i++) {
            switch (args[i]) {
                case "--ca" -> ca = Path.of(args[++i]);
                case "--cert" -> cert = Path.of(args[++i]);
                case "--key" -> key = Path.of(args[++i]);
                case "--token-file" -> token = Path.of(args[++i]);
                case "--plaintext" -> plaintext = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DaemonTarget target = new DaemonTarget(address, new ClientSecurity(ca, cert, key, token, plaintext), null);
        try (DaemonChannel channel = DaemonChannel.open(target)) {
            System.out.println(run(channel, name, keystrokes, warmup));
        }
    }

    private static String run(DaemonChannel channel, String name, int keystrokes, int warmup) throws InterruptedException {
        LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
        Context.CancellableContext ctx = Context.current().withCancellation();
        try {
            ctx.run(() -> TaskmasterServiceGrpc.newStub(channel.channel()).attachOutput(
                    AttachOutputRequest.newBuilder().setName(name).setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(AttachOutputResponse r) {
                            queue.add(new Item(r, null, System.nanoTime()));
                        }

                        @Override
                        public void onError(Throwable t) {
                            queue.add(new Item(null, t, System.nanoTime()));
                        }

                        @Override
                        public void onCompleted() {
                            queue.add(new Item(null, new IllegalStateException("attach stream ended"), System.nanoTime()));
                        }
                    }));
            Item first = queue.poll(10, TimeUnit.SECONDS);
            if (first == null) {
                return "NA no AttachStarted within 10 s";
            }
            if (first.error() != null) {
                return "NA " + describe("AttachOutput", first.error());
            }
            if (!first.response().hasStarted()) {
                return "NA the first AttachOutput message is not AttachStarted: " + first.response().getKindCase();
            }
            var started = first.response().getStarted();
            if (!started.getInputLease().getGranted()) {
                return "NA input lease not granted (held by " + started.getInputLease().getHolder() + ")";
            }
            var input = channel.blockingStub(Duration.ofSeconds(10));
            List<Double> rtt = new ArrayList<>();
            for (int i = 0; i < warmup + keystrokes; i++) {
                byte key = (byte) ('a' + i % 26);
                long t0 = System.nanoTime();
                try {
                    input.sendInput(SendInputRequest.newBuilder().setName(name).setSessionId(started.getSessionId())
                            .setData(ByteString.copyFrom(new byte[] {key})).build());
                } catch (StatusRuntimeException e) {
                    return "NA " + describe("SendInput", e);
                }
                long echoed = awaitByte(queue, key, t0);
                if (echoed < 0) {
                    return "NA no echo of keystroke " + (i + 1) + " within " + ECHO_TIMEOUT.toSeconds() + " s"
                            + (echoed == -2 ? " (the attach stream failed or ended)" : "");
                }
                if (i >= warmup) { // the first keystrokes warm up the JIT on both sides
                    rtt.add((echoed - t0) / 1e6);
                }
            }
            Collections.sort(rtt);
            return String.format(Locale.ROOT, "RESULT %.3f %.3f %.3f %.3f %d %b", pct(rtt, 50), pct(rtt, 99),
                    rtt.getFirst(), rtt.getLast(), rtt.size(), started.getTty());
        } finally {
            ctx.cancel(null);
        }
    }

    /**
     * Arrival time of the first output chunk holding {@code key}; -1 on timeout, -2 when the
     * stream failed. Other output (a prompt, a notice) is skipped; keystrokes are sent one at a
     * time, so the echo of an earlier one cannot be taken for this one.
     */
    private static long awaitByte(LinkedBlockingQueue<Item> queue, byte key, long t0) throws InterruptedException {
        long deadline = t0 + ECHO_TIMEOUT.toNanos();
        while (true) {
            Item item = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (item == null) {
                return -1;
            }
            if (item.error() != null) {
                return -2;
            }
            if (item.response().hasChunk()) {
                ByteString data = item.response().getChunk().getData();
                for (int j = 0; j < data.size(); j++) {
                    if (data.byteAt(j) == key) {
                        return item.at();
                    }
                }
            }
        }
    }

    /** "AttachOutput not implemented by this build: UNIMPLEMENTED", or the code and message. */
    private static String describe(String call, Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() == Status.Code.UNIMPLEMENTED) {
            return call + " not implemented by this build: UNIMPLEMENTED";
        }
        return call + " failed: " + s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
    }

    private static double pct(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }
}
