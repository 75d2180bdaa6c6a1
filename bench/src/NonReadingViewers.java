import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Viewers that attach and then never read (bench/chaos, stalled-viewers): N {@code AttachOutput}
 * calls on one connection, each started, sent its request and never asked for a single message
 * ({@code ClientCall.request} is never called), so gRPC's flow-control window fills and the
 * daemon sees a viewer that is not ready, for as long as this runs.
 *
 * <p>Usage: {@code NonReadingViewers SOCKET PROCESS N}. Prints {@code READY started} once all N
 * calls have their response headers (or after 10 s, with how many did), waits for the end of
 * standard input, cancels every call and prints {@code RESULT started closed_by_daemon}: a call
 * the daemon ended on its own (it may cut a viewer that is too slow) counts in the second figure.
 */
public final class NonReadingViewers {

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String name = args[1];
        int n = Integer.parseInt(args[2]);
        CountDownLatch headers = new CountDownLatch(n);
        AtomicInteger closed = new AtomicInteger();
        List<ClientCall<AttachOutputRequest, AttachOutputResponse>> calls = new ArrayList<>();
        try (DaemonChannel channel = DaemonChannel.open(socket)) {
            for (int i = 0; i < n; i++) {
                ClientCall<AttachOutputRequest, AttachOutputResponse> call =
                        channel.channel().newCall(TaskmasterServiceGrpc.getAttachOutputMethod(), CallOptions.DEFAULT);
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onHeaders(Metadata h) {
                        headers.countDown();
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.getCode() != Status.Code.CANCELLED) {
                            closed.incrementAndGet();
                        }
                    }
                }, new Metadata());
                call.sendMessage(AttachOutputRequest.newBuilder().setName(name).build());
                call.halfClose();
                calls.add(call);
            }
            headers.await(10, TimeUnit.SECONDS);
            System.out.println("READY " + (n - headers.getCount()));
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // until the harness closes standard input
            }
            int byDaemon = closed.get();
            for (ClientCall<AttachOutputRequest, AttachOutputResponse> call : calls) {
                call.cancel("the scenario is over", null);
            }
            System.out.println("RESULT " + (n - headers.getCount()) + " " + byDaemon);
        }
    }
}
