package dev.taskmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskmasterServiceTest {

    @TempDir
    Path tmp;
    Server server;
    ManagedChannel channel;
    TaskmasterServiceGrpc.TaskmasterServiceBlockingStub stub;
    RuntimePaths paths;
    Config config;

    @BeforeEach
    void setUp() throws Exception {
        Path file = Files.writeString(tmp.resolve("t.yaml"), "programs:\n  web:\n    cmd: x\n    numprocs: 3\n  db:\n    cmd: y\n");
        config = ConfigLoader.load(file, Map.of());
        paths = new RuntimePaths(tmp.resolve("t.sock"), tmp.resolve("t.pid"), tmp.resolve("t.log"), tmp.resolve("logs"));
        Instant start = Instant.parse("2026-11-22T10:00:00Z");
        DaemonInfo info = new DaemonInfo("blue", paths, config, start.plusSeconds(5), start);
        Clock clock = Clock.fixed(start.plusSeconds(65), ZoneOffset.UTC);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new TaskmasterService(() -> info, clock)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        stub = TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void serverInfoDescribesThisDaemon() {
        GetServerInfoResponse r = stub.getServerInfo(GetServerInfoRequest.getDefaultInstance());
        assertThat(r.getInstanceName()).isEqualTo("blue");
        assertThat(r.getPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(r.getVersion()).isNotBlank();
        assertThat(r.getHostname()).isNotBlank();
        assertThat(r.getStartTime().getSeconds()).isEqualTo(Instant.parse("2026-11-22T10:00:00Z").getEpochSecond());
        assertThat(r.getUptime().getSeconds()).isEqualTo(65);
        assertThat(r.getConfigLoadTime().getSeconds()).isEqualTo(Instant.parse("2026-11-22T10:00:05Z").getEpochSecond());
        assertThat(r.getConfigPath()).isEqualTo(tmp.resolve("t.yaml").toString());
        assertThat(r.getSocketPath()).isEqualTo(paths.socket().toString());
        assertThat(r.getLogPath()).isEqualTo(paths.logfile().toString());
        assertThat(r.getProgramCount()).isEqualTo(2);
        assertThat(r.getProcessCount()).isEqualTo(4);
        assertThat(r.getCallerRole()).isEqualTo(Role.ROLE_ADMIN);
    }

    @Test
    void whatTheEngineDoesNotProvideYetIsUnimplemented() {
        StatusRuntimeException unary = catchThrowableOfType(StatusRuntimeException.class,
                () -> stub.listProcesses(ListProcessesRequest.getDefaultInstance()));
        assertThat(unary.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        StatusRuntimeException stream = catchThrowableOfType(StatusRuntimeException.class,
                () -> stub.watchEvents(WatchEventsRequest.getDefaultInstance()).hasNext());
        assertThat(stream.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }
}
