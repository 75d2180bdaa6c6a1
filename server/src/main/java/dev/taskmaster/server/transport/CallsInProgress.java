package dev.taskmaster.server.transport;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the calls in progress on the API: started, and neither closed by the service (its
 * status handed to gRPC) nor cancelled by the client. At shutdown, once none is left, nothing the
 * daemon has to say is still to be written: the connections can be cut without waiting for
 * their clients (one that does not read would never let its connection go by itself).
 *
 * <p>Thread-safe: calls start and end on gRPC's threads, {@link #awaitNone} waits on another.
 */
final class CallsInProgress implements ServerInterceptor {

    private int count;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                ended();
            }
        };
        started();
        ServerCall<Q, R> tracked = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                try {
                    super.close(status, trailers);
                } finally {
                    end.run();
                }
            }
        };
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
