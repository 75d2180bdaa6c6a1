package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ProcessStateCount;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.server.daemon.Version;
import dev.taskmaster.server.engine.ProcessState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon RPCs, GetServerInfo and Shutdown, against their contract in taskmaster.proto, in
 * process. What needs the real binary (the daemon exiting, health, reflection, the Unix socket)
 * is in the app module's ContractIT.
 */
class DaemonConformanceTest {

    static final String CONFIG = """
            programs:
              web: {cmd: sleep 600, numprocs: 2, starttime: 0, stopsignal: KILL}
              idle: {cmd: sleep 600, autostart: false}
            """;

    /** A thread per caller: the common pool may have one worker on a 2-core machine, which would serialise the race. */
    static final java.util.concurrent.Executor CALLERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path tmp;

    private static Status status(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to fail").isNotNull();
        return e.getStatus();
    }

    /** GetServerInfoResponse: each field as its comment says. */
    @Test
    void serverInfoSaysWhatItsFieldsPromise() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, CONFIG)) {
            d.await("web:0", ProcessState.RUNNING);
            d.await("web:1", ProcessState.RUNNING);
            Instant before = Instant.now();
            GetServerInfoResponse i = d.stub().getServerInfo(GetServerInfoRequest.getDefaultInstance());
            assertThat(i.getVersion()).isEqualTo(Version.current()).isNotEmpty();
            assertThat(i.getPid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(i.getInstanceName()).isEqualTo("live");
            assertThat(i.getHostname()).isNotEmpty();
            assertThat(Instant.ofEpochSecond(i.getStartTime().getSeconds())).isBeforeOrEqualTo(before);
            assertThat(i.getUptime().getSeconds()).isNotNegative();
            // "Absolute path of the configuration file."
            assertThat(Path.of(i.getConfigPath())).isAbsolute().isEqualTo(d.dir.resolve("taskmaster.yaml").toAbsolutePath());
            assertThat(i.getSocketPath()).isEqualTo(d.dir.resolve("t.sock").toString());
            assertThat(i.getLogPath()).isEqualTo(d.dir.resolve("taskmasterd.log").toString());
            assertThat(i.getTcpAddressesList()).as("Empty = local socket only").isEmpty();
            // "Id of the current event journal" and "Latest event sequence number": those of the event stream.
            var snapshot = d.stub().watchEvents(WatchEventsRequest.getDefaultInstance()).next().getSnapshot();
            assertThat(i.getJournalId()).isEqualTo(snapshot.getJournalId()).isNotEmpty();
            assertThat(i.getLatestSequence()).isEqualTo(snapshot.getSequence()).isEqualTo(d.journal.lastSequence());
            assertThat(i.getProgramCount()).isEqualTo(2);
            assertThat(i.getProcessCount()).isEqualTo(3);
            // "states with no process are left out"; ProcessStateCount.count "(> 0)".
            assertThat(i.getStateCountsList()).extracting(c -> c.getState().name() + "=" + c.getCount())
                    .containsExactlyInAnyOrder("PROCESS_STATE_RUNNING=2", "PROCESS_STATE_STOPPED=1");
            assertThat(i.getStateCountsList()).allMatch(c -> c.getCount() > 0)
                    .extracting(ProcessStateCount::getCount).containsOnly(2, 1);
            assertThat(i.getCallerRole()).isEqualTo(Role.ROLE_ADMIN);
            assertThat(i.getCallerIdentity()).isEqualTo(LiveDaemon.ADMIN.identity());
        }
    }

    /**
     * Shutdown: "Returns as soon as the shutdown has begun. Codes: only the common ones
     * (UNAVAILABLE if already shutting down)"; ShutdownRequest.reason: "Empty = "Shutdown requested"".
     */
    @Test
    void aSecondShutdownIsUnavailableAndAnEmptyReasonIsShutdownRequested() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, CONFIG)) {
            d.stub().shutdown(ShutdownRequest.getDefaultInstance());
            assertThat(d.shutdownsAsked).containsExactly("Shutdown requested");
            Status again = status(() -> d.stub().shutdown(ShutdownRequest.newBuilder().setReason("again").build()));
            assertThat(again.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(again.getDescription()).isEqualTo("taskmasterd is already shutting down; nothing more to ask");
            assertThat(d.shutdownsAsked).as("the daemon was asked once").containsExactly("Shutdown requested");
        }
    }

    /** "UNAVAILABLE if already shutting down": also when a signal began it, not this API. */
    @Test
    void aShutdownAfterASignalBeganOneIsUnavailable() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, CONFIG)) {
            d.engine.shutdown("SIGTERM").get(30, TimeUnit.SECONDS); // as the daemon does on SIGTERM
            Status s = status(() -> d.stub().shutdown(ShutdownRequest.newBuilder().setReason("maintenance").build()));
            assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(s.getDescription()).isEqualTo("taskmasterd is already shutting down; nothing more to ask");
            assertThat(d.shutdownsAsked).isEmpty();
        }
    }

    /** Racing Shutdown calls: exactly one begins the shutdown, every other one is UNAVAILABLE. */
    @RepeatedTest(10)
    void ofManyShutdownsAtOnceExactlyOneIsOk() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, "programs:\n  x: {cmd: sleep 600, autostart: false}\n")) {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String reason = "caller " + i;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        d.stub().shutdown(ShutdownRequest.newBuilder().setReason(reason).build());
                        return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, CALLERS));
            }
            go.countDown();
            List<Status.Code> codes = new ArrayList<>();
            for (CompletableFuture<Status.Code> c : calls) {
                codes.add(c.get(30, TimeUnit.SECONDS));
            }
            assertThat(codes).containsOnlyOnce(Status.Code.OK).filteredOn(c -> c != Status.Code.OK)
                    .containsOnly(Status.Code.UNAVAILABLE).hasSize(7);
            assertThat(d.shutdownsAsked).hasSize(1);
        }
    }
}
