package dev.taskmaster.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.client.DaemonTarget;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a failure to reach a daemon reads in the events ticker and the empty table. */
class RpcTest {

    @TempDir
    Path dir;

    @Test
    void aMissingSocketIsNamedWithTheReason() throws Exception {
        Path socket = dir.resolve("default.sock");
        StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.io.IOException("connect(..) failed: No such file or directory")).asRuntimeException();
        assertThat(Rpc.describe(failure, DaemonTarget.unix(socket)))
                .isEqualTo("cannot reach taskmasterd at " + socket + " (no such socket: is the daemon running?)");
    }

    @Test
    void aSocketNobodyListensOnSaysTheDaemonIsGone() throws Exception {
        Path socket = dir.resolve("stale.sock");
        // A real socket file with no listener behind it, as a killed daemon leaves.
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(socket));
        }
        assertThat(Files.exists(socket)).isTrue();
        StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.io.IOException("connect(..) failed: Connection refused")).asRuntimeException();
        assertThat(Rpc.describe(failure, DaemonTarget.unix(socket)))
                .isEqualTo("cannot reach taskmasterd at " + socket + " (connection refused: the daemon that made this socket is gone)");
    }

    @Test
    void aStreamCutShortKeepsItsOwnWords() {
        StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
                .withCause(new java.io.IOException("Connection reset by peer")).asRuntimeException();
        assertThat(Rpc.describe(failure, DaemonTarget.unix(dir.resolve("x.sock")))).isEqualTo("the connection was closed");
    }
}
