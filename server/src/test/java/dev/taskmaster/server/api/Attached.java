package dev.taskmaster.server.api;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test client of AttachOutput: records every message, and reads only as many as it is told
 * to ({@link #request}) when started paused, to play a viewer that cannot keep up.
 */
final class Attached implements ClientResponseObserver<AttachOutputRequest, AttachOutputResponse> {

    final List<AttachOutputResponse> messages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final boolean paused;
    private volatile ClientCallStreamObserver<AttachOutputRequest> call;

    private Attached(boolean paused) {
        this.paused = paused;
    }

    static Attached attach(TaskmasterServiceGrpc.TaskmasterServiceStub stub, AttachOutputRequest r, boolean paused) {
        Attached a = new Attached(paused);
        stub.attachOutput(r, a);
        return a;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<AttachOutputRequest> requestStream) {
        call = requestStream;
        if (paused) {
            requestStream.disableAutoRequestWithInitial(1); // AttachStarted only
        }
    }

    void request(int n) {
        call.request(n);
    }

    void cancel() {
        call.cancel("detach", null);
    }

    @Override
    public void onNext(AttachOutputResponse m) {
        messages.add(m);
        if (m.hasChunk()) {
            synchronized (bytes) {
                bytes.writeBytes(m.getChunk().getData().toByteArray());
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.complete(Status.OK);
    }

    String text() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    long bytesReceived() {
        synchronized (bytes) {
            return bytes.size();
        }
    }

    String sessionId() throws InterruptedException {
        LiveDaemon.until("AttachStarted", 10_000, () -> !messages.isEmpty());
        return messages.getFirst().getStarted().getSessionId();
    }

    void awaitText(String what) throws InterruptedException {
        try {
            LiveDaemon.until("\"" + what + "\" in the attached output", 20_000, () -> text().contains(what));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; got: " + text());
        }
    }

    Status awaitEnd() throws Exception {
        return ended.get(20, TimeUnit.SECONDS);
    }
}
