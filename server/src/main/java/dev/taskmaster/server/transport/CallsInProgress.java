package dev.taskmaster.server.transport;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the calls in progress on the API: started, and neither closed by the service (its
 * status handed to gRPC) nor cancelled by the client. At shutdown, once none is left, nothing the
 * daemon has to say is still to be written: the connections can be cut without waiting for
 * their clients (one that does not read would never let its connection go by itself).
 *
 * <p>It also keeps the streams in progress, so that {@link #endStreams} can end those nothing
 * else ends at shutdown (a health {@code Watch}, a reflection session) with the status the
 * contract names, UNAVAILABLE, instead of the reset of a cut connection, which their clients see
 * as CANCELLED. A call's messages and its close pass one lock, so a close from another thread
 * never interleaves with a message, and what the service sends after it is dropped.
 *
 * <p>Thread-safe: calls start and end on gRPC's threads, {@link #awaitNone} and
 * {@link #endStreams} run on another.
 */
final class CallsInProgress implements ServerInterceptor {

    private int count;
    /** Streaming calls not ended yet: what {@link #endStreams} closes. */
    private final Set<ServerCall<?, ?>> streams = ConcurrentHashMap.newKeySet();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        AtomicBoolean ended = new AtomicBoolean();
        Tracked<Q, R> tracked = new Tracked<>(call);
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                streams.remove(tracked);
                ended();
            }
        };
        tracked.onEnd = end;
        started();
        if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
            streams.add(tracked);
        }
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(tracked, headers);
        } catch (RuntimeException | Error e) {
            end.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                end.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                end.run();
                super.onComplete();
            }
        };
    }

    /** A call whose close ends its count, and that nothing is sent on once it is closed. */
    private static final class Tracked<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {

        private Runnable onEnd = () -> { };
        /** Closed, by the service or by endStreams. */
        private boolean over;

        Tracked(ServerCall<Q, R> call) {
            super(call);
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!over) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!over) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (over) {
                return;
            }
            over = true;
            try {
                super.close(status, trailers);
            } finally {
                onEnd.run();
            }
        }
    }

    /**
     * Ends every stream still in progress with {@code status}: the daemon is going away. Streams
     * the API ends itself (WatchEvents, AttachOutput) are over by then; this is for the others.
     */
    void endStreams(Status status) {
        for (ServerCall<?, ?> s : streams) {
            try {
                s.close(status, new Metadata());
            } catch (RuntimeException alreadyOver) {
                // cancelled by its client at the same moment
            }
        }
    }

    private synchronized void started() {
        count++;
    }

    private synchronized void ended() {
        if (--count == 0) {
            notifyAll();
        }
    }

    /** Calls in progress now. */
    synchronized int count() {
        return count;
    }

    /** Waits until no call is in progress, at most {@code millis}; whether none is. */
    synchronized boolean awaitNone(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (count > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
