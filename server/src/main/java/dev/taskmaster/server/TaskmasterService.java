package dev.taskmaster.server;

import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The gRPC adapter of the daemon. RPCs not overridden here answer UNIMPLEMENTED (the
 * generated base class does that), as the contract allows until the engine provides them.
 * Called on gRPC's executor threads; it only reads immutable snapshots, so it needs no locking.
 */
final class TaskmasterService extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {

    private final Supplier<DaemonInfo> info;
    private final Clock clock;
    private final String hostname = hostname();

    TaskmasterService(Supplier<DaemonInfo> info, Clock clock) {
        this.info = info;
        this.clock = clock;
    }

    @Override
    public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
        DaemonInfo d = info.get();
        Instant now = clock.instant();
        response.onNext(GetServerInfoResponse.newBuilder()
                .setVersion(Version.current())
                .setPid(Math.toIntExact(ProcessHandle.current().pid()))
                .setInstanceName(d.instance())
                .setHostname(hostname)
                .setStartTime(timestamp(d.startTime()))
                .setUptime(duration(Duration.between(d.startTime(), now)))
                .setConfigPath(d.config().source().toString())
                .setConfigLoadTime(timestamp(d.configTime()))
                .setSocketPath(d.paths().socket().toString())
                .setLogPath(d.paths().logfile().toString())
                .setProgramCount(d.config().programs().size())
                .setProcessCount(d.config().instances().size())
                // Only the socket's owner can connect (the socket is 0600), so a local caller may do anything.
                .setCallerRole(Role.ROLE_ADMIN)
                .setCallerIdentity("local socket owner")
                .build());
        response.onCompleted();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
