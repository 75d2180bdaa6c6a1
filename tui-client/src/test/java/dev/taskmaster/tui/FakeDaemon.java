package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.ResizeTerminalResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.SendInputResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A daemon whose streams the test drives: every WatchEvents and AttachOutput call is queued
 * with its request and response observer, so the test sends what it wants when it wants.
 * AttachOutput answers UNIMPLEMENTED unless {@link #attachImplemented}, like today's daemon.
 */
final class FakeDaemon extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {

    record Call<Q, R>(Q request, ServerCallStreamObserver<R> response) {
        boolean cancelled() {
            return response.isCancelled();
        }
    }

    final BlockingQueue<Call<WatchEventsRequest, WatchEventsResponse>> watches = new LinkedBlockingQueue<>();
    final BlockingQueue<Call<AttachOutputRequest, AttachOutputResponse>> attaches = new LinkedBlockingQueue<>();
    final List<SendInputRequest> inputs = new CopyOnWriteArrayList<>();
    final List<ResizeTerminalRequest> resizes = new CopyOnWriteArrayList<>();
    volatile boolean attachImplemented;
    volatile ListProcessesResponse listing = ListProcessesResponse.getDefaultInstance();

    static <T> T next(BlockingQueue<T> q) throws InterruptedException {
        T t = q.poll(10, TimeUnit.SECONDS);
        if (t == null) {
            throw new AssertionError("the client made no such call in 10 s");
        }
        return t;
    }

    @Override
    public void getServerInfo(GetServerInfoRequest q, StreamObserver<GetServerInfoResponse> r) {
        r.onNext(GetServerInfoResponse.newBuilder().setVersion("9.9.9").setHostname("fake").setInstanceName("default").build());
        r.onCompleted();
    }

    @Override
    public void listProcesses(ListProcessesRequest q, StreamObserver<ListProcessesResponse> r) {
        r.onNext(listing);
        r.onCompleted();
    }

    @Override
    public void watchEvents(WatchEventsRequest q, StreamObserver<WatchEventsResponse> r) {
        watches.add(new Call<>(q, (ServerCallStreamObserver<WatchEventsResponse>) r));
    }

    @Override
    public void attachOutput(AttachOutputRequest q, StreamObserver<AttachOutputResponse> r) {
        if (!attachImplemented) {
            r.onError(Status.UNIMPLEMENTED.withDescription("Method taskmaster.v1.TaskmasterService/AttachOutput is unimplemented")
                    .asRuntimeException());
            return;
        }
        attaches.add(new Call<>(q, (ServerCallStreamObserver<AttachOutputResponse>) r));
    }

    @Override
    public void sendInput(SendInputRequest q, StreamObserver<SendInputResponse> r) {
        inputs.add(q);
        r.onNext(SendInputResponse.newBuilder().setBytesWritten(q.getData().size()).build());
        r.onCompleted();
    }

    @Override
    public void resizeTerminal(ResizeTerminalRequest q, StreamObserver<ResizeTerminalResponse> r) {
        resizes.add(q);
        r.onNext(ResizeTerminalResponse.getDefaultInstance());
        r.onCompleted();
    }
}
