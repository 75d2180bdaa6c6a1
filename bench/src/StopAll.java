import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The stop-all request of the stopall benchmark, as supervisord's gets it from the harness's
 * own XML-RPC client: on a connection opened and warmed up beforehand, so that what is timed is
 * the daemon's stop, not a client's start-up. Sends StopProcesses(all, wait) once a line arrives
 * on stdin (the harness's "go") and prints {@code DONE n} when the answer comes back (n results),
 * or {@code NA reason}.
 *
 * <p>Usage: StopAll SOCKET.
 */
public final class StopAll {

    public static void main(String[] args) throws Exception {
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            for (int i = 0; i < 20; i++) {
                channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
            }
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                System.out.println("NA the harness went away");
                return;
            }
            var answer = channel.blockingStub(Duration.ofSeconds(300)).stopProcesses(StopProcessesRequest.newBuilder()
                    .addTargets("all").setWait(true).setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(290))
                    .build());
            System.out.println("DONE " + answer.getResultsCount());
        } catch (IOException | RuntimeException e) {
            System.out.println("NA " + e);
        }
        System.out.flush();
    }
}
