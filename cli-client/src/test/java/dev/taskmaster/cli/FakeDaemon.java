package dev.taskmaster.cli;

import com.google.protobuf.Message;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.ReadDaemonLogResponse;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.ResizeTerminalResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.SendInputResponse;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.GetProgramResponse;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.PauseProcessesResponse;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.RemoveProgramResponse;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.RestartProcessesResponse;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesResponse;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.ShutdownResponse;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesResponse;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A daemon that answers from a script: a canned response or a Status per RPC, and records every
 * request with the deadline it came with. An RPC with no answer is UNIMPLEMENTED, like the real
 * daemon's base class.
 */
final class FakeDaemon extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {

    /** A request as received, and the deadline of its call (null if none). */
    record Received(Message request, Deadline deadline) {}

    /** How WatchEvents answers: these messages, then the end (a Status) or nothing (stay open until cancelled). */
    record Watch(List<WatchEventsResponse> messages, Status end) {}

    /** Answers an RPC by code, for calls whose answer depends on the request (or that stream). */
    @FunctionalInterface
    interface Handler<Q, R> {
        void handle(Q request, StreamObserver<R> response);
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Object> answers = new ConcurrentHashMap<>();
    private final Map<String, Runnable> onCall = new ConcurrentHashMap<>();

    /** Answers RPC {@code method} (e.g. "ListProcesses") with a response, a Status or a {@link Watch}. */
    FakeDaemon answer(String method, Object answer) {
        answers.put(method, answer);
        return this;
    }

    /** Runs {@code action} when RPC {@code method} is called, before it answers (on the caller's thread: in-process, direct executor). */
    FakeDaemon onCall(String method, Runnable action) {
        onCall.put(method, action);
        return this;
    }

    private void called(String method) {
        Runnable action = onCall.get(method);
        if (action != null) {
            action.run();
        }
    }

    /** The requests of one type, in order. */
    <T extends Message> List<T> requests(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Received r : received) {
            if (type.isInstance(r.request())) {
                out.add(type.cast(r.request()));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private <R> void reply(String method, Message request, StreamObserver<R> response) {
        received.add(new Received(request, Context.current().getDeadline()));
        called(method);
        Object answer = answers.get(method);
        if (answer instanceof Handler<?, ?> handler) {
            ((Handler<Message, R>) handler).handle(request, response);
        } else if (answer == null) {
            response.onError(Status.UNIMPLEMENTED.withDescription("Method taskmaster.v1.TaskmasterService/" + method + " is unimplemented")
                    .asRuntimeException());
        } else if (answer instanceof Status status) {
            response.onError(status.asRuntimeException());
        } else {
            response.onNext((R) answer);
            response.onCompleted();
        }
    }

    @Override
    public void getServerInfo(GetServerInfoRequest q, StreamObserver<GetServerInfoResponse> r) {
        reply("GetServerInfo", q, r);
    }

    @Override
    public void listProcesses(ListProcessesRequest q, StreamObserver<ListProcessesResponse> r) {
        reply("ListProcesses", q, r);
    }

    @Override
    public void startProcesses(StartProcessesRequest q, StreamObserver<StartProcessesResponse> r) {
        reply("StartProcesses", q, r);
    }

    @Override
    public void stopProcesses(StopProcessesRequest q, StreamObserver<StopProcessesResponse> r) {
        reply("StopProcesses", q, r);
    }

    @Override
    public void restartProcesses(RestartProcessesRequest q, StreamObserver<RestartProcessesResponse> r) {
        reply("RestartProcesses", q, r);
    }

    @Override
    public void signalProcesses(SignalProcessesRequest q, StreamObserver<SignalProcessesResponse> r) {
        reply("SignalProcesses", q, r);
    }

    @Override
    public void pauseProcesses(PauseProcessesRequest q, StreamObserver<PauseProcessesResponse> r) {
        reply("PauseProcesses", q, r);
    }

    @Override
    public void resumeProcesses(ResumeProcessesRequest q, StreamObserver<ResumeProcessesResponse> r) {
        reply("ResumeProcesses", q, r);
    }

    @Override
    public void getProgram(GetProgramRequest q, StreamObserver<GetProgramResponse> r) {
        reply("GetProgram", q, r);
    }

    @Override
    public void addProgram(AddProgramRequest q, StreamObserver<AddProgramResponse> r) {
        reply("AddProgram", q, r);
    }

    @Override
    public void updateProgram(UpdateProgramRequest q, StreamObserver<UpdateProgramResponse> r) {
        reply("UpdateProgram", q, r);
    }

    @Override
    public void removeProgram(RemoveProgramRequest q, StreamObserver<RemoveProgramResponse> r) {
        reply("RemoveProgram", q, r);
    }

    @Override
    public void adoptProcess(dev.taskmaster.proto.v1.AdoptProcessRequest q,
            StreamObserver<dev.taskmaster.proto.v1.AdoptProcessResponse> r) {
        reply("AdoptProcess", q, r);
    }

    @Override
    public void reloadConfig(ReloadConfigRequest q, StreamObserver<ReloadConfigResponse> r) {
        reply("ReloadConfig", q, r);
    }

    @Override
    public void shutdown(ShutdownRequest q, StreamObserver<ShutdownResponse> r) {
        reply("Shutdown", q, r);
    }

    @Override
    public void reexecDaemon(dev.taskmaster.proto.v1.ReexecDaemonRequest q,
            StreamObserver<dev.taskmaster.proto.v1.ReexecDaemonResponse> r) {
        reply("ReexecDaemon", q, r);
    }

    @Override
    public void watchEvents(WatchEventsRequest q, StreamObserver<WatchEventsResponse> r) {
        received.add(new Received(q, Context.current().getDeadline()));
        called("WatchEvents");
        if (!(answers.get("WatchEvents") instanceof Watch watch)) {
            r.onError(Status.UNIMPLEMENTED.withDescription("WatchEvents is unimplemented").asRuntimeException());
            return;
        }
        watch.messages().forEach(r::onNext);
        if (watch.end() != null) {
            if (watch.end().isOk()) {
                r.onCompleted();
            } else {
                r.onError(watch.end().asRuntimeException());
            }
        }
    }

    @Override
    public void tailOutput(TailOutputRequest q, StreamObserver<TailOutputResponse> r) {
        reply("TailOutput", q, r);
    }

    @Override
    public void attachOutput(AttachOutputRequest q, StreamObserver<AttachOutputResponse> r) {
        reply("AttachOutput", q, r);
    }

    @Override
    public void sendInput(SendInputRequest q, StreamObserver<SendInputResponse> r) {
        reply("SendInput", q, r);
    }

    @Override
    public void resizeTerminal(ResizeTerminalRequest q, StreamObserver<ResizeTerminalResponse> r) {
        reply("ResizeTerminal", q, r);
    }

    @Override
    public void listPrograms(dev.taskmaster.proto.v1.ListProgramsRequest q, StreamObserver<dev.taskmaster.proto.v1.ListProgramsResponse> r) {
        reply("ListPrograms", q, r);
    }

    @Override
    public void clearOutput(dev.taskmaster.proto.v1.ClearOutputRequest q, StreamObserver<dev.taskmaster.proto.v1.ClearOutputResponse> r) {
        reply("ClearOutput", q, r);
    }

    @Override
    public void readDaemonLog(ReadDaemonLogRequest q, StreamObserver<ReadDaemonLogResponse> r) {
        reply("ReadDaemonLog", q, r);
    }
}
