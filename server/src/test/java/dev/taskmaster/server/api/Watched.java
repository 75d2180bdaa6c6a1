package dev.taskmaster.server.api;

import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test client of WatchEvents: records every message and how the stream ended, and reads only
 * as many messages as it is told to ({@link #request}) when started paused, to play a watcher
 * that stopped reading.
 */
final class Watched implements ClientResponseObserver<WatchEventsRequest, WatchEventsResponse> {

    final List<WatchEventsResponse> messages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final boolean paused;
    private volatile ClientCallStreamObserver<WatchEventsRequest> call;

    private Watched(boolean paused) {
        this.paused = paused;
    }

    static Watched watch(TaskmasterServiceGrpc.TaskmasterServiceStub stub, WatchEventsRequest r, boolean paused) {
        Watched w = new Watched(paused);
        stub.watchEvents(r, w);
        return w;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchEventsRequest> requestStream) {
        call = requestStream;
        if (paused) {
            requestStream.disableAutoRequestWithInitial(1); // the snapshot only
        }
    }

    void request(int n) {
        call.request(n);
    }

    void cancel() {
        call.cancel("done", null);
    }

    @Override
    public void onNext(WatchEventsResponse m) {
        messages.add(m);
    }

    @Override
    public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.complete(Status.OK);
    }

    /** The first message: the snapshot the stream starts with. */
    WatchEventsResponse awaitSnapshot() throws InterruptedException {
        LiveDaemon.until("the first WatchEvents message", 10_000, () -> !messages.isEmpty());
        return messages.getFirst();
    }

    Status awaitEnd() throws Exception {
        return ended.get(20, TimeUnit.SECONDS);
    }
}
