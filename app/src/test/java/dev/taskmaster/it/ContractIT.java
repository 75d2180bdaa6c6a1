package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.testkit.Poll;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the contract promises that only the real daemon can show, on its Unix socket: gRPC
 * health for the server ("") and for taskmaster.v1.TaskmasterService, SERVING while up and
 * NOT_SERVING as soon as a shutdown begins (while the processes still stop and every stream is
 * still open); every server stream (WatchEvents, AttachOutput, a health Watch, a reflection
 * session) ending UNAVAILABLE at shutdown; a second Shutdown UNAVAILABLE; reflection v1 and
 * v1alpha; event 1 (DaemonStarted) replayable; and a watcher that reconnects on new connections
 * losing nothing.
 */
class ContractIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final String API = "taskmaster.v1.TaskmasterService";
    static final Status SHUTTING_DOWN = Status.UNAVAILABLE.withDescription("taskmasterd is shutting down");

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private Path socket() {
        return tmp.resolve("run/taskmaster/default.sock");
    }

    private BinProcess daemon(String programs) throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), "programs:\n" + programs);
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        BinProcess.await("the daemon to answer", LIMIT, () -> {
            try {
                return BinProcess.ctl(tmp, env(), LIMIT, "pid").code() == 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        return daemon;
    }

    private ManagedChannel channel() {
        return Grpc.newChannelBuilder("unix://" + socket(), InsecureChannelCredentials.create()).build();
    }

    /** Records a stream's messages and how it ended. */
    static final class Recorder<T> implements StreamObserver<T> {
        final List<T> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }

        Status end() throws Exception {
            return ended.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static void assertUnavailable(Status s, String stream) {
        assertThat(s.getCode()).as("how %s ended: %s", stream, s).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.getDescription()).as(stream).isEqualTo(SHUTTING_DOWN.getDescription());
    }

    /**
     * Health: "" and the API by name, SERVING, then NOT_SERVING the moment the shutdown begins;
     * Shutdown: "UNAVAILABLE if already shutting down"; WatchEvents: "the stream then ends with
     * UNAVAILABLE after DaemonShuttingDown and the final state changes"; AttachOutput: "or the
     * daemon shuts down (UNAVAILABLE)"; and every other stream the same way.
     */
    @Test
    void healthTurnsNotServingWhenTheShutdownBeginsAndEveryStreamThenEndsUnavailable() throws Exception {
        Path stubborn = Files.writeString(tmp.resolve("stubborn.sh"), "trap '' TERM\nwhile :; do sleep 0.1; done\n");
        try (BinProcess daemon = daemon("""
                  stubborn: {cmd: "/bin/sh %s", starttime: 0, stoptime: 4s}
                  talk: {cmd: "sh -c 'while :; do echo tick; sleep 0.2; done'", starttime: 0, stopsignal: KILL}
                """.formatted(stubborn))) {
            ManagedChannel channel = channel();
            try {
                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                Function<String, ServingStatus> check = service -> HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.newBuilder().setService(service).build())
                        .getStatus();
                assertThat(check.apply("")).isEqualTo(ServingStatus.SERVING);
                assertThat(check.apply(API)).isEqualTo(ServingStatus.SERVING);
                StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class,
                        () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
                assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

                Recorder<HealthCheckResponse> watchingHealth = new Recorder<>();
                HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService(API).build(), watchingHealth);
                Recorder<WatchEventsResponse> events = new Recorder<>();
                TaskmasterServiceGrpc.newStub(channel).watchEvents(WatchEventsRequest.getDefaultInstance(), events);
                Recorder<AttachOutputResponse> attach = new Recorder<>();
                TaskmasterServiceGrpc.newStub(channel).attachOutput(AttachOutputRequest.newBuilder().setName("talk").build(), attach);
                Recorder<io.grpc.reflection.v1.ServerReflectionResponse> reflection = new Recorder<>();
                StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> asking = io.grpc.reflection.v1.ServerReflectionGrpc
                        .newStub(channel).serverReflectionInfo(reflection);
                asking.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
                Poll.until("every stream open", LIMIT, () -> watchingHealth.messages.size() == 1 && !events.messages.isEmpty()
                        && attach.messages.size() > 1 && reflection.messages.size() == 1);
                assertThat(watchingHealth.messages.getFirst().getStatus()).isEqualTo(ServingStatus.SERVING);

                TaskmasterServiceGrpc.TaskmasterServiceBlockingStub api = TaskmasterServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS);
                api.shutdown(ShutdownRequest.newBuilder().setReason("contract test").build());
                // "Returns as soon as the shutdown has begun": health says so already.
                assertThat(check.apply("")).isEqualTo(ServingStatus.NOT_SERVING);
                assertThat(check.apply(API)).isEqualTo(ServingStatus.NOT_SERVING);
                Poll.until("the health watch to see NOT_SERVING", LIMIT, () -> watchingHealth.messages.size() == 2);
                assertThat(watchingHealth.messages.get(1).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
                // stubborn ignores SIGTERM for 4 s: every stream is still open, the daemon still answers.
                assertThat(events.ended).isNotDone();
                assertThat(attach.ended).isNotDone();
                assertThat(watchingHealth.ended).isNotDone();
                StatusRuntimeException again = catchThrowableOfType(StatusRuntimeException.class,
                        () -> TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .shutdown(ShutdownRequest.getDefaultInstance()));
                assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(again.getStatus().getDescription()).isEqualTo("taskmasterd is already shutting down; nothing more to ask");
                assertThat(events.ended).as("the stream ends after the processes stop").isNotDone();

                assertUnavailable(events.end(), "WatchEvents");
                List<Event> tail = events.messages.stream().filter(WatchEventsResponse::hasEvent).map(WatchEventsResponse::getEvent)
                        .dropWhile(e -> !e.hasDaemonShuttingDown()).toList();
                assertThat(tail).as("the shutdown event, then the final state changes").hasSizeGreaterThan(1);
                assertThat(tail.getFirst().getDaemonShuttingDown().getReason()).isEqualTo("contract test");
                assertThat(tail.getLast().getProcessStateChanged().getToState().name()).isEqualTo("PROCESS_STATE_STOPPED");
                assertUnavailable(attach.end(), "AttachOutput");
                assertUnavailable(watchingHealth.end(), "a health Watch");
                assertUnavailable(reflection.end(), "a reflection session");
                assertThat(daemon.waitFor(LIMIT)).isZero();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Reflection "as well as v1": v1alpha for older grpcurl, evans and grpc-go clients. Both
     * list every service and give the contract's files, their imports resolvable.
     */
    @Test
    void reflectionV1AndV1alphaListTheServicesAndGiveTheContractFiles() throws Exception {
        try (BinProcess daemon = daemon("  idle: {cmd: sleep 600, autostart: false}\n")) {
            ManagedChannel channel = channel();
            try {
                List<String> expected = List.of(API, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                        "grpc.reflection.v1alpha.ServerReflection");

                BlockingQueue<io.grpc.reflection.v1.ServerReflectionResponse> v1 = new LinkedBlockingQueue<>();
                StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> v1Ask = io.grpc.reflection.v1.ServerReflectionGrpc
                        .newStub(channel).serverReflectionInfo(queue(v1));
                v1Ask.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
                assertThat(take(v1).getListServicesResponse().getServiceList())
                        .extracting(io.grpc.reflection.v1.ServiceResponse::getName).containsAll(expected);
                v1Ask.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setFileContainingSymbol(API).build());
                checkFiles(take(v1).getFileDescriptorResponse().getFileDescriptorProtoList());
                v1Ask.onCompleted();

                BlockingQueue<io.grpc.reflection.v1alpha.ServerReflectionResponse> alpha = new LinkedBlockingQueue<>();
                StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> alphaAsk = io.grpc.reflection.v1alpha
                        .ServerReflectionGrpc.newStub(channel).serverReflectionInfo(queue(alpha));
                alphaAsk.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
                assertThat(take(alpha).getListServicesResponse().getServiceList())
                        .extracting(io.grpc.reflection.v1alpha.ServiceResponse::getName).containsAll(expected);
                alphaAsk.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol(API + ".WatchEvents").build());
                checkFiles(take(alpha).getFileDescriptorResponse().getFileDescriptorProtoList());
                alphaAsk.onCompleted();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    /** The file of the service and every file it imports, each named once and each import among them. */
    private static void checkFiles(List<ByteString> files) throws InvalidProtocolBufferException {
        List<FileDescriptorProto> parsed = new ArrayList<>();
        for (ByteString f : files) {
            parsed.add(FileDescriptorProto.parseFrom(f));
        }
        List<String> names = parsed.stream().map(FileDescriptorProto::getName).toList();
        assertThat(names).contains("taskmaster/v1/taskmaster.proto", "taskmaster/v1/events.proto", "google/rpc/status.proto")
                .doesNotHaveDuplicates();
        FileDescriptorProto main = parsed.stream().filter(f -> f.getName().equals("taskmaster/v1/taskmaster.proto")).findFirst()
                .orElseThrow();
        assertThat(main.getServiceList()).singleElement().satisfies(s -> assertThat(s.getMethodList())
                .extracting(m -> m.getName()).contains("WatchEvents", "Shutdown", "SendInput"));
        for (FileDescriptorProto f : parsed) {
            assertThat(names).as("the imports of %s", f.getName()).containsAll(f.getDependencyList());
        }
    }

    private static <T> StreamObserver<T> queue(BlockingQueue<T> q) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                q.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    private static <T> T take(BlockingQueue<T> q) throws InterruptedException {
        T t = q.poll(LIMIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(t).as("a reflection answer").isNotNull();
        return t;
    }

    /**
     * events.proto: DaemonStarted "always event 1"; WatchEventsRequest "N > 0 = resume: replay
     * every kept event with sequence >= N". And the lost event on the real socket: a
     * watcher that reconnects on a new connection each time and resumes from the last sequence it
     * saw + 1 gets every event once.
     */
    @Test
    void eventOneIsDaemonStartedAndAWatcherThatReconnectsLosesNothing() throws Exception {
        try (BinProcess daemon = daemon("""
                  flap: {cmd: "sh -c 'sleep 0.05'", starttime: 0, autorestart: always, backoff: {reset_after: 0}}
                """)) {
            ManagedChannel first = channel();
            String journal;
            try {
                Iterator<WatchEventsResponse> fromOne = TaskmasterServiceGrpc.newBlockingStub(first)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).watchEvents(WatchEventsRequest.newBuilder().setFromSequence(1).build());
                Event one = fromOne.next().getEvent();
                assertThat(one.getSequence()).isEqualTo(1);
                assertThat(one.hasDaemonStarted()).as("%s", one).isTrue();
                assertThat((long) one.getDaemonStarted().getPid()).isEqualTo(daemon.pid());
                journal = TaskmasterServiceGrpc.newBlockingStub(first).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
            } finally {
                first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            List<Long> seen = new ArrayList<>();
            long last = 0;
            for (int round = 0; round < 8; round++) {
                ManagedChannel channel = channel();
                try {
                    Iterator<WatchEventsResponse> it = TaskmasterServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS).watchEvents(WatchEventsRequest.newBuilder()
                                    .setFromSequence(last + 1).setJournalId(journal).build());
                    for (int i = 0; i < 5 + round * 3; i++) {
                        last = it.next().getEvent().getSequence();
                        seen.add(last);
                    }
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());

            // taskmasterctl events --since SEQ: "from sequence SEQ on", SEQ itself first (docs/cli.md).
            BinProcess.Result since = BinProcess.ctl(tmp, env(), LIMIT, "events", "--since", "1");
            assertThat(since.code()).as(since.err()).isZero();
            assertThat(since.out().lines().findFirst().orElseThrow()).startsWith("#1 ").contains("taskmasterd ").contains(" started");
            BinProcess.Result seven = BinProcess.ctl(tmp, env(), LIMIT, "events", "--since", "7");
            assertThat(seven.out().lines().findFirst().orElseThrow()).startsWith("#7 ");
            // With --follow, a sequence that has not happened is the daemon's INVALID_ARGUMENT: exit 2, one line.
            BinProcess.Result future = BinProcess.ctl(tmp, env(), LIMIT, "events", "--follow", "--since", "999999999");
            assertThat(future.code()).as(future.out() + future.err()).isEqualTo(2);
            assertThat(future.err()).startsWith("taskmasterctl: from_sequence 999999999 is in the future:")
                    .hasLineCount(1);
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }
}
