package dev.taskmaster.tui;

import dev.taskmaster.client.ConnectFailure;
import dev.taskmaster.client.DaemonTarget;
import io.grpc.Status;

/** gRPC failures as one human line. */
final class Rpc {

    private Rpc() {}

    /** As {@link #describe(Throwable)}, with a remote daemon's connection failures told precisely (TLS, refused, timed out). */
    static String describe(Throwable t, DaemonTarget target) {
        return ConnectFailure.of(Status.fromThrowable(t), target).map(ConnectFailure.Diagnosis::line).orElseGet(() -> describe(t));
    }

    static String describe(Throwable t) {
        Status s = Status.fromThrowable(t);
        String d = s.getDescription();
        if (s.getCode() == Status.Code.UNAVAILABLE && (d == null || d.isBlank() || d.contains("io exception"))) {
            return "cannot reach the daemon (not running?)";
        }
        if (d != null && (d.contains("RST_STREAM") || d.contains("Connection closed") || d.contains("Network closed"))) {
            return "the connection was closed";
        }
        return d == null || d.isBlank() ? s.getCode().name() : d;
    }
}
