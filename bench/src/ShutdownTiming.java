import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.ShutdownRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The shutdown request of the shutdown benchmark (issue 11): sent on a connection opened and
 * warmed up beforehand, so that what is timed is the daemon's own way out, not a client's
 * start-up. Sends Shutdown once a line arrives on stdin (the harness's "go"), printing
 * {@code SENT ns} (CLOCK_REALTIME, just before the call) and {@code ANSWERED ns}, or
 * {@code NA reason}. The harness times the daemon's exit against SENT.
 *
 * <p>Usage: ShutdownTiming SOCKET.
 */
public final class ShutdownTiming {

    public static void main(String[] args) throws Exception {
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            for (int i = 0; i < 20; i++) {
                channel.blockingStub(Duration.ofSeconds(10)).getServerInfo(GetServerInfoRequest.getDefaultInstance());
            }
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                System.out.println("NA the harness went away");
                return;
            }
            System.out.println("SENT " + now());
            channel.blockingStub(Duration.ofSeconds(30))
                    .shutdown(ShutdownRequest.newBuilder().setReason("bench: shutdown timing").build());
            System.out.println("ANSWERED " + now());
        } catch (RuntimeException e) {
            System.out.println("NA " + e);
        }
        System.out.flush();
    }

    private static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
