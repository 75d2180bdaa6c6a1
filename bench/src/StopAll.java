import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The stop-all request of the stopall benchmark, as supervisord's gets it from the harness's
 * own XML-RPC client: on a connection opened and warmed up beforehand, so that what is timed is
 * the daemon's stop, not a client's start-up (nor its first request and parse of the answer). Sends StopProcesses(all, wait) once a line arrives
 * on stdin (the harness's "go") and prints {@code DONE n} when the answer comes back (n results),
 * or {@code NA reason}.
 *
 * <p>Usage: StopAll SOCKET.
 */
public final class StopAll {

    public static void main(String[] args) throws Exception {
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            ListProcessesResponse listed = null;
            for (int i = 0; i < 20; i++) {
                listed = channel.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
            }
            // The answer's parsing code, warmed up too, so that the time is the daemon's and not
            // this JVM's first look at a StopProcessesResponse: one of the same size, made here.
            StopProcessesResponse.Builder sample = StopProcessesResponse.newBuilder();
            for (ProcessInfo p : listed.getProcessesList()) {
                sample.addResults(ProcessResult.newBuilder().setFullName(p.getFullName()).setChanged(true)
                        .setStatus(com.google.rpc.Status.newBuilder().setMessage("stopped")).setProcess(p));
            }
            byte[] bytes = sample.build().toByteArray();
            for (int i = 0; i < 200; i++) {
                StopProcessesResponse.parseFrom(bytes).getResultsCount();
            }
            // The request's own path too (its builder, marshaller and the call): a StopProcesses
            // of a name no program has is refused (NOT_FOUND) and stops nothing.
            for (int i = 0; i < 20; i++) {
                try {
                    channel.blockingStub(Duration.ofSeconds(10)).stopProcesses(StopProcessesRequest.newBuilder()
                            .addTargets("bench-warm-up-no-such-program").setWait(true).build());
                } catch (io.grpc.StatusRuntimeException expected) {
                    if (expected.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                        throw expected;
                    }
                }
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
