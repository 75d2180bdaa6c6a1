import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonChannels;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.ProcessNoticeKind;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Viewers that never read (issue 11): opens COUNT {@code AttachOutput} streams on a process,
 * each on a connection of its own (as COUNT clients would), takes the first message
 * ({@code AttachStarted}) and then asks gRPC for nothing more, so that each stream's
 * flow-control window fills and the daemon has to hold it. On "resume" on stdin every viewer
 * reads again, to the process's exit notice, and checks that it was told exactly what it
 * missed: every byte from where it attached to where the output ends either arrived or was
 * counted in an {@code OutputSkipped}, with no gap and no overlap.
 *
 * <p>Usage: StalledViewers SOCKET PROCESS COUNT. Prints on stdout, read by bench/lib/streams.py:
 * <pre>
 *   READY                                         every viewer has its AttachStarted
 *   RESUMED viewers exact skips bytes_skipped end after "resume": how many viewers read to the
 *                                                 exit notice, how many of them were told exactly
 *                                                 what they missed, OutputSkipped messages and
 *                                                 bytes skipped (all viewers), the end offset
 *   NA reason
 * </pre>
 */
public final class StalledViewers {

    /** One viewer: a raw ClientCall, so that nothing asks for a message unless this class does. */
    private static final class Viewer extends ClientCall.Listener<AttachOutputResponse> {
        final CompletableFuture<Void> started = new CompletableFuture<>();
        final CompletableFuture<Void> exited = new CompletableFuture<>();
        volatile ClientCall<AttachOutputRequest, AttachOutputResponse> call;
        /** Where the next byte must come from; -1 until the first chunk or skip. Listener thread only. */
        long cursor = -1;
        long skips;
        long skipped;
        boolean exact = true;

        @Override
        public void onMessage(AttachOutputResponse m) {
            switch (m.getKindCase()) {
                case STARTED -> started.complete(null);
                case CHUNK -> {
                    long at = m.getChunk().getOffset();
                    exact &= cursor < 0 || at == cursor; // a gap nobody announced, or bytes sent twice
                    cursor = at + m.getChunk().getData().size();
                }
                case SKIPPED -> {
                    long to = m.getSkipped().getResumeOffset();
                    exact &= cursor < 0 || to - m.getSkipped().getBytesSkipped() == cursor;
                    skips++;
                    skipped += m.getSkipped().getBytesSkipped();
                    cursor = to;
                }
                case PROCESS_NOTICE -> {
                    if (m.getProcessNotice().getKind() == ProcessNoticeKind.PROCESS_NOTICE_KIND_EXITED) {
                        exited.complete(null);
                    }
                }
                default -> { }
            }
            if (started.isDone() && m.getKindCase() != AttachOutputResponse.KindCase.STARTED) {
                call.request(1); // only after "resume": until then no message but AttachStarted is delivered
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            Exception e = status.asRuntimeException();
            started.completeExceptionally(e);
            exited.completeExceptionally(e);
        }
    }

    public static void main(String[] args) throws Exception {
        ServerAddress address = ServerAddress.parse(args[0]);
        String name = args[1];
        int count = Integer.parseInt(args[2]);
        DaemonTarget target = new DaemonTarget(address, new ClientSecurity(null, null, null, null, false), null);
        List<Viewer> viewers = new ArrayList<>();
        try (DaemonChannels channels = new DaemonChannels(1)) {
            AttachOutputRequest request = AttachOutputRequest.newBuilder().setName(name).build();
            for (int i = 0; i < count; i++) {
                DaemonChannel channel = channels.open(target);
                Viewer v = new Viewer();
                v.call = channel.channel().newCall(TaskmasterServiceGrpc.getAttachOutputMethod(), CallOptions.DEFAULT);
                v.call.start(v, new Metadata());
                v.call.request(1); // AttachStarted, and then nothing until "resume"
                v.call.sendMessage(request);
                v.call.halfClose();
                viewers.add(v);
            }
            try {
                CompletableFuture.allOf(viewers.stream().map(v -> v.started).toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.out.println("NA the viewers did not attach: " + e.getMessage());
                return;
            }
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.strip().equals("resume")) {
                // wait for the harness
            }
            if (line == null) {
                return;
            }
            for (Viewer v : viewers) {
                v.call.request(1);
            }
            int done = 0;
            for (Viewer v : viewers) {
                try {
                    v.exited.get(60, TimeUnit.SECONDS);
                    done++;
                } catch (Exception e) {
                    // counted as not resumed
                }
            }
            long exact = 0;
            long skips = 0;
            long skipped = 0;
            long end = 0;
            for (Viewer v : viewers) {
                synchronized (v) {
                    exact += v.exact && v.exited.isDone() && !v.exited.isCompletedExceptionally() ? 1 : 0;
                    skips += v.skips;
                    skipped += v.skipped;
                    end = Math.max(end, v.cursor);
                }
                v.call.cancel("done", null);
            }
            System.out.println("RESUMED " + done + " " + exact + " " + skips + " " + skipped + " " + end);
        }
    }
}
