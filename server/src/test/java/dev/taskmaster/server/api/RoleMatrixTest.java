package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.server.security.AuditLog;
import dev.taskmaster.server.security.Caller;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Every RPC called as viewer, operator and admin through the daemon's interceptor, against the
 * real service and engine: allowed, or PERMISSION_DENIED naming the role, as the contract
 * declares. The expected table is written out here, so a role changed in the .proto by mistake
 * fails this test (and ContractTest).
 */
class RoleMatrixTest {

    static final Metadata.Key<String> AS = Metadata.Key.of("x-test-role", Metadata.ASCII_STRING_MARSHALLER);

    /** The role each RPC needs, from taskmaster.proto's service comment. */
    static final Map<String, Role> NEEDS = new LinkedHashMap<>();

    static {
        for (String rpc : List.of("GetServerInfo", "ListProcesses", "GetProcess", "ListPrograms", "GetProgram",
                "WatchEvents", "TailOutput", "ReadDaemonLog", "AttachOutput")) {
            NEEDS.put(rpc, Role.ROLE_VIEWER);
        }
        for (String rpc : List.of("StartProcesses", "StopProcesses", "RestartProcesses", "SignalProcesses",
                "PauseProcesses", "ResumeProcesses", "ClearOutput", "SendInput", "ResizeTerminal")) {
            NEEDS.put(rpc, Role.ROLE_OPERATOR);
        }
        for (String rpc : List.of("ReloadConfig", "AddProgram", "UpdateProgram", "RemoveProgram", "AdoptProcess", "Shutdown",
                "ReexecDaemon", "TestNotification")) {
            NEEDS.put(rpc, Role.ROLE_ADMIN);
        }
    }

    static final List<Role> ROLES = List.of(Role.ROLE_VIEWER, Role.ROLE_OPERATOR, Role.ROLE_ADMIN);

    @TempDir
    static java.nio.file.Path dir;
    static LiveDaemon daemon;
    ListAppender<ILoggingEvent> audit;

    @BeforeAll
    static void start() throws Exception {
        daemon = new LiveDaemon(dir, "programs:\n  loop:\n    cmd: cat\n    starttime: 0\n    tty: true\n",
                (transport, headers) -> {
                    Role role = Role.valueOf(headers.get(AS));
                    return new Caller("test " + Caller.name(role), role, "in-process");
                });
        daemon.await("loop", dev.taskmaster.server.engine.ProcessState.RUNNING);
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @BeforeEach
    void captureAudit() {
        audit = new ListAppender<>();
        audit.start();
        Logger logger = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        logger.setLevel(ch.qos.logback.classic.Level.INFO); // as the daemon log has it, whatever its level
        logger.addAppender(audit);
    }

    @AfterEach
    void releaseAudit() {
        ((Logger) LoggerFactory.getLogger(AuditLog.LOGGER)).detachAppender(audit);
    }

    /** Calls {@code method} as {@code role}; OK as soon as a first message arrives (then cancels), else the final status. */
    static Status call(MethodDescriptor<Message, Message> method, Message request, Role role) throws Exception {
        Metadata as = new Metadata();
        as.put(AS, role.name());
        Channel channel = ClientInterceptors.intercept(daemon.channel, MetadataUtils.newAttachHeadersInterceptor(as));
        ClientCall<Message, Message> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
        CompletableFuture<Status> done = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Message message) {
                done.complete(Status.OK);
                call.cancel("one message is enough", null);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        return done.get(30, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    static List<MethodDescriptor<Message, Message>> methods() {
        List<MethodDescriptor<Message, Message>> out = new ArrayList<>();
        TaskmasterServiceGrpc.getServiceDescriptor().getMethods().forEach(m -> out.add((MethodDescriptor<Message, Message>) m));
        return out;
    }

    static Message defaultRequest(MethodDescriptor<Message, Message> method) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    }

    /**
     * While held (a daemon started as root, serving before its switch to server.user), only
     * viewing passes: a start or an added program then would run as root.
     */
    @Test
    void whileHeldOnlyViewingPassesEvenForAnAdmin() throws Exception {
        daemon.roles.hold("taskmasterd is switching to server.user nobody");
        try {
            for (MethodDescriptor<Message, Message> method : methods()) {
                String rpc = method.getBareMethodName();
                Status status = call(method, defaultRequest(method), Role.ROLE_ADMIN);
                if (NEEDS.get(rpc) == Role.ROLE_VIEWER) {
                    assertThat(status.getCode()).as(rpc).isNotIn(Status.Code.UNAVAILABLE, Status.Code.PERMISSION_DENIED);
                } else {
                    assertThat(status.getCode()).as(rpc).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(status.getDescription()).as(rpc)
                            .isEqualTo("taskmasterd is switching to server.user nobody; try again in a moment");
                }
            }
        } finally {
            daemon.roles.release();
        }
        MethodDescriptor<Message, Message> stop = methods().stream()
                .filter(m -> m.getBareMethodName().equals("StopProcesses")).findFirst().orElseThrow();
        assertThat(call(stop, defaultRequest(stop), Role.ROLE_ADMIN).getCode()).as("released")
                .isNotIn(Status.Code.UNAVAILABLE, Status.Code.PERMISSION_DENIED);
    }

    @Test
    void everyRpcAsEveryRole() throws Exception {
        assertThat(methods()).extracting(MethodDescriptor::getBareMethodName).containsExactlyInAnyOrderElementsOf(NEEDS.keySet());
        List<String> wrong = new ArrayList<>();
        int calls = 0;
        for (MethodDescriptor<Message, Message> method : methods()) {
            String rpc = method.getBareMethodName();
            Role needed = NEEDS.get(rpc);
            for (Role role : ROLES) {
                // Default requests: harmless (empty targets and names are refused, Shutdown here only records).
                Status status = call(method, defaultRequest(method), role);
                calls++;
                boolean allowed = role.getNumber() >= needed.getNumber();
                String expected = allowed ? "allowed" : "PERMISSION_DENIED: " + rpc + " needs the " + Caller.name(needed)
                        + " role; test " + Caller.name(role) + " is " + Caller.name(role);
                String got = status.getCode() == Status.Code.PERMISSION_DENIED || status.getCode() == Status.Code.UNAUTHENTICATED
                        ? status.getCode() + ": " + status.getDescription() : "allowed";
                if (!got.equals(expected)) {
                    wrong.add(rpc + " as " + Caller.name(role) + ": expected " + expected + ", got " + got
                            + " (" + status + ")");
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(calls).isEqualTo(NEEDS.size() * 3);
    }

    @Test
    void attachingWithInputNeedsOperatorAndReadOnlyDoesNot() throws Exception {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> attach = (MethodDescriptor<Message, Message>) (MethodDescriptor<?, ?>)
                TaskmasterServiceGrpc.getAttachOutputMethod();
        for (InputMode mode : List.of(InputMode.INPUT_MODE_EXCLUSIVE, InputMode.INPUT_MODE_SHARED, InputMode.INPUT_MODE_TAKE_OVER)) {
            AttachOutputRequest typing = AttachOutputRequest.newBuilder().setName("loop").setInputMode(mode).build();
            Status viewer = call(attach, typing, Role.ROLE_VIEWER);
            assertThat(viewer.getCode()).as(mode.name()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(viewer.getDescription()).isEqualTo("AttachOutput with input needs the operator role; test viewer is"
                    + " viewer; attach read-only to watch");
            assertThat(call(attach, typing, Role.ROLE_OPERATOR).getCode()).as(mode.name()).isEqualTo(Status.Code.OK);
            assertThat(call(attach, typing, Role.ROLE_ADMIN).getCode()).as(mode.name()).isEqualTo(Status.Code.OK);
        }
        for (InputMode mode : List.of(InputMode.INPUT_MODE_UNSPECIFIED, InputMode.INPUT_MODE_READ_ONLY)) {
            AttachOutputRequest reading = AttachOutputRequest.newBuilder().setName("loop").setInputMode(mode).build();
            assertThat(call(attach, reading, Role.ROLE_VIEWER).getCode()).as(mode.name()).isEqualTo(Status.Code.OK);
        }
        // An attach with input is audited when it ends, after call() has returned on its first
        // message: wait for all of them here, or a late line lands in the next test's audit list.
        // Three refusals of the viewer, six attaches with input of the operator and the admin (the
        // list may also hold late lines of the test before this one: only these are counted).
        LiveDaemon.until("every attach with input audited", 10_000, () -> auditLines().stream()
                .filter(l -> l.contains("AttachOutput name=\"loop\" input_mode=input_mode_exclusive")
                        || l.contains("AttachOutput name=\"loop\" input_mode=input_mode_shared")
                        || l.contains("AttachOutput name=\"loop\" input_mode=input_mode_take_over"))
                .count() == 9);
    }

    @SuppressWarnings("unchecked")
    static MethodDescriptor<Message, Message> m(MethodDescriptor<?, ?> d) {
        return (MethodDescriptor<Message, Message>) d;
    }

    List<String> auditLines() {
        return audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void mutatingCallsAndRefusalsAreAuditedOnceAndReadingIsNot() throws Exception {
        call(m(TaskmasterServiceGrpc.getGetProcessMethod()), GetProcessRequest.newBuilder().setName("loop").build(), Role.ROLE_VIEWER);
        assertThat(auditLines()).isEmpty();

        call(m(TaskmasterServiceGrpc.getStopProcessesMethod()), StopProcessesRequest.newBuilder().addTargets("nothing")
                .addTargets("evil\nforged line").setWait(true).build(), Role.ROLE_OPERATOR);
        LiveDaemon.until("the stop to be audited", 10_000, () -> !auditLines().isEmpty());
        assertThat(auditLines()).singleElement().asString().startsWith("test operator [operator] from in-process: StopProcesses"
                + " targets=[\"nothing\", \"evil\\u000aforged line\"] wait=true -> NOT_FOUND: ");

        audit.list.clear();
        call(m(TaskmasterServiceGrpc.getShutdownMethod()), ShutdownRequest.newBuilder().setReason("bye").build(), Role.ROLE_OPERATOR);
        assertThat(auditLines()).containsExactly("test operator [operator] from in-process: Shutdown -> PERMISSION_DENIED:"
                + " Shutdown needs the admin role; test operator is operator");

        audit.list.clear();
        call(m(TaskmasterServiceGrpc.getSendInputMethod()), SendInputRequest.newBuilder().setName("loop")
                .setData(ByteString.copyFromUtf8("hunter2\n")).build(), Role.ROLE_ADMIN);
        // The answer can reach the client a moment before the server's close writes the line.
        LiveDaemon.until("the input to be audited", 10_000, () -> !auditLines().isEmpty());
        assertThat(auditLines()).singleElement().asString()
                .startsWith("test admin [admin] from in-process: SendInput name=\"loop\" data=8 bytes -> ")
                .doesNotContain("hunter2");

        audit.list.clear();
        // Watching is not audited; typing is, once, when the client detaches (cancels) as it always does.
        call(m(TaskmasterServiceGrpc.getAttachOutputMethod()), AttachOutputRequest.newBuilder().setName("loop").build(), Role.ROLE_VIEWER);
        call(m(TaskmasterServiceGrpc.getAttachOutputMethod()), AttachOutputRequest.newBuilder().setName("loop")
                .setInputMode(InputMode.INPUT_MODE_SHARED).build(), Role.ROLE_OPERATOR);
        LiveDaemon.until("the attach with input to be audited", 10_000, () -> !auditLines().isEmpty());
        assertThat(auditLines()).singleElement().asString().isEqualTo("test operator [operator] from in-process: AttachOutput"
                + " name=\"loop\" input_mode=input_mode_shared -> CANCELLED: ended by the client");
    }
}
