package dev.taskmaster.server.security;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ShutdownRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The smallest client, run by {@link PeerCredentialsTest} as another user: asks who it is, then
 * tries an admin call, and prints one line for each ({@code OK role identity} or
 * {@code CODE: description}).
 */
public final class PeerClient {

    public static void main(String[] args) {
        try (DaemonChannel channel = DaemonChannel.open(Path.of(args[0]))) {
            var stub = channel.blockingStub(Duration.ofSeconds(20));
            try {
                GetServerInfoResponse r = stub.getServerInfo(GetServerInfoRequest.getDefaultInstance());
                System.out.println("OK " + Caller.name(r.getCallerRole()) + " " + r.getCallerIdentity());
            } catch (StatusRuntimeException e) {
                System.out.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            }
            try {
                stub.shutdown(ShutdownRequest.getDefaultInstance());
                System.out.println("OK shutdown");
            } catch (StatusRuntimeException e) {
                System.out.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            }
        }
    }
}
