package dev.taskmaster.tui;

import dev.taskmaster.client.ConnectFailure;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;

/** gRPC failures as one human line. Stateless. */
final class Rpc {

    private Rpc() {}

    /**
     * As {@link #describe(Throwable)}, with a connection failure told precisely: a remote daemon's
     * (TLS, refused, timed out) by {@link ConnectFailure}, a local socket's with its path and why
     * (no such socket, nobody listening, permission), as taskmasterctl words them.
     */
    static String describe(Throwable t, DaemonTarget target) {
        Status s = Status.fromThrowable(t);
        if (target.address() instanceof ServerAddress.Unix unix && s.getCode() == Status.Code.UNAVAILABLE && s.getCause() != null) {
            String plain = describe(t);
            // A stream cut short ("the connection was closed") keeps its words; a failure to connect names the socket.
            if (plain.startsWith("cannot reach")) {
                return unreachableSocket(unix.socket(), causeText(s.getCause()));
            }
            return plain;
        }
        return ConnectFailure.of(s, target).map(ConnectFailure.Diagnosis::line).orElseGet(() -> describe(t));
    }

    /** Why nothing answered on {@code socket}, from the transport's own words ({@code cause}) and the file system. */
    static String unreachableSocket(Path socket, String cause) {
        String at = "cannot reach taskmasterd at " + socket;
        if (cause.contains("Permission denied") || Files.exists(socket) && !Files.isWritable(socket)) {
            return at + " (permission denied: the socket belongs to another user)";
        }
        if (cause.contains("No such file") || !Files.exists(socket)) {
            return at + " (no such socket: is the daemon running?)";
        }
        if (cause.contains("Connection refused")) {
            return at + " (connection refused: the daemon that made this socket is gone)";
        }
        return at + " (" + cause + ")";
    }

    /** The innermost message of a transport failure (gRPC's own is often just "io exception"). */
    private static String causeText(Throwable cause) {
        String text = "";
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                text = t.getMessage();
            }
        }
        return text.isEmpty() ? cause.getClass().getSimpleName() : text;
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
