package dev.taskmaster.tui;

import com.google.protobuf.Duration;
import com.google.rpc.Code;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@link Actions} over the daemons' links: each command is one blocking RPC on a worker thread
 * (never the UI thread), whose outcome comes back as the footer message. The table itself
 * changes through the event stream, as for any other client's command.
 */
final class Daemons implements Actions {

    /** Commands wait for their outcome (so failures can be told), at most this long. */
    static final java.time.Duration WAIT = java.time.Duration.ofSeconds(30);
    private static final java.time.Duration DEADLINE = WAIT.plusSeconds(5);

    private final Map<String, DaemonLink> links;
    private final ScreenModel model;
    private final Ui ui;
    private final ExecutorService worker;
    private final Consumer<ProcKey> attach;

    /**
     * @param attach runs a console attach on the UI thread (deferred by the caller until the
     *               key that asked for it has been handled)
     */
    Daemons(Map<String, DaemonLink> links, ScreenModel model, Ui ui, ExecutorService worker, Consumer<ProcKey> attach) {
        this.links = links;
        this.model = model;
        this.ui = ui;
        this.worker = worker;
        this.attach = attach;
    }

    private static Duration waitFor() {
        return Duration.newBuilder().setSeconds(WAIT.toSeconds()).build();
    }

    @Override
    public void start(String daemon, List<String> targets, String what) {
        command(daemon, "start", what, "started", s -> s.startProcesses(StartProcessesRequest.newBuilder().addAllTargets(targets)
                .setWait(true).setTimeout(waitFor()).build()).getResultsList());
    }

    @Override
    public void stop(String daemon, List<String> targets, String what) {
        command(daemon, "stop", what, "stopped", s -> s.stopProcesses(StopProcessesRequest.newBuilder().addAllTargets(targets)
                .setWait(true).setTimeout(waitFor()).build()).getResultsList());
    }

    @Override
    public void restart(String daemon, List<String> targets, String what) {
        command(daemon, "restart", what, "restarted", s -> s.restartProcesses(RestartProcessesRequest.newBuilder()
                .addAllTargets(targets).setWait(true).setTimeout(waitFor()).build()).getResultsList());
    }

    @Override
    public void pause(String daemon, List<String> targets, String what) {
        command(daemon, "pause", what, "paused", s -> s.pauseProcesses(PauseProcessesRequest.newBuilder().addAllTargets(targets)
                .setWait(true).setTimeout(waitFor()).build()).getResultsList());
    }

    @Override
    public void resume(String daemon, List<String> targets, String what) {
        command(daemon, "resume", what, "resumed", s -> s.resumeProcesses(ResumeProcessesRequest.newBuilder().addAllTargets(targets)
                .setWait(true).setTimeout(waitFor()).build()).getResultsList());
    }

    @Override
    public void signal(String daemon, List<String> targets, String signal, String what) {
        command(daemon, "signal", what, "sent SIG" + signal, s -> s.signalProcesses(SignalProcessesRequest.newBuilder()
                .addAllTargets(targets).setSignal(signal).build()).getResultsList());
    }

    @Override
    public void stopAll() {
        for (DaemonLink link : links.values()) {
            if (link.streaming()) {
                stop(link.label(), List.of("all"), "every process" + (links.size() > 1 ? " of " + link.label() : ""));
            }
        }
    }

    @Override
    public void reload(String daemon) {
        run(daemon, "reload", s -> {
            ReloadConfigResponse r = s.reloadConfig(ReloadConfigRequest.getDefaultInstance());
            if (r.getErrorsCount() > 0) {
                var e = r.getErrors(0);
                return new Outcome("reload refused, nothing changed: " + e.getFile() + ":" + e.getLine() + ": " + e.getMessage()
                        + (r.getErrorsCount() > 1 ? " (and " + (r.getErrorsCount() - 1) + " more)" : ""), true);
            }
            var d = r.getDiff();
            return new Outcome("reloaded " + daemon + ": " + d.getAddedProgramsCount() + " added, " + d.getChangedProgramsCount()
                    + " restarted, " + d.getUpdatedProgramsCount() + " updated, " + d.getRemovedProgramsCount() + " removed", false);
        });
    }

    @Override
    public void shutdown(String daemon) {
        run(daemon, "shutdown", s -> {
            s.shutdown(ShutdownRequest.newBuilder().setReason("requested from taskmaster-tui").build());
            return new Outcome("taskmasterd " + daemon + " is shutting down", false);
        });
    }

    @Override
    public void details(ProcKey key) {
        Row row = model.row(key);
        if (row == null) {
            return;
        }
        String program = row.info().getProgram();
        worker.execute(() -> {
            List<String> lines;
            try {
                var spec = links.get(key.daemon()).blocking(DaemonLink.CALL_DEADLINE)
                        .getProgram(GetProgramRequest.newBuilder().setName(program).build()).getProgram();
                lines = SpecLines.of(spec);
            } catch (StatusRuntimeException e) {
                lines = List.of("  (not available: " + Rpc.describe(e, links.get(key.daemon()).target.target()) + ")");
            }
            List<String> spec = lines;
            ui.post(m -> {
                if (m.overlay() instanceof Overlay.Details d && d.key().equals(key)) {
                    m.overlay(new Overlay.Details(key, spec, d.scroll()));
                }
            });
        });
    }

    @Override
    public void attach(ProcKey key) {
        attach.accept(key);
    }

    private record Outcome(String text, boolean error) {}

    private void command(String daemon, String verb, String what, String done,
                         Function<TaskmasterServiceBlockingStub, List<ProcessResult>> call) {
        model.message(verb + " " + what + "...", false);
        run(daemon, verb + " " + what, s -> summary(what, done, call.apply(s)));
    }

    private void run(String daemon, String doing, Function<TaskmasterServiceBlockingStub, Outcome> call) {
        DaemonLink link = links.get(daemon);
        worker.execute(() -> {
            Outcome o;
            try {
                o = call.apply(link.blocking(DEADLINE));
            } catch (StatusRuntimeException e) {
                o = new Outcome(doing + ": " + Rpc.describe(e, link.target.target()), true);
            } catch (RuntimeException e) {
                o = new Outcome(doing + ": " + e, true);
            }
            Outcome outcome = o;
            ui.post(m -> m.message(outcome.text, outcome.error));
        });
    }

    /** {@code web:0: stopped}, or the failures: {@code web:0: ABORTED: exited too quickly}. */
    static Outcome summary(String what, String done, List<ProcessResult> results) {
        List<String> failed = new ArrayList<>();
        int unchanged = 0;
        for (ProcessResult r : results) {
            if (r.getStatus().getCode() != Code.OK_VALUE) {
                failed.add(r.getFullName() + ": " + r.getStatus().getMessage());
            } else if (!r.getChanged()) {
                unchanged++;
            }
        }
        if (!failed.isEmpty()) {
            return new Outcome(String.join("; ", failed), true);
        }
        if (results.size() == 1) {
            return new Outcome(results.getFirst().getFullName() + ": " + (unchanged == 1 ? "nothing to do ("
                    + ProcessText.state(results.getFirst().getProcess().getState()) + ")" : done), false);
        }
        return new Outcome(what + ": " + done + " " + (results.size() - unchanged) + " of " + results.size()
                + (unchanged > 0 ? " (" + unchanged + " already were)" : ""), false);
    }
}
