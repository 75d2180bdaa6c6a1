package dev.taskmaster.tui;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessNoticeKind;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the output pane following the selected process: one read-only AttachOutput stream at a
 * time, with some scrollback, replaced when the selection moves or the daemon reconnects.
 *
 * <p>{@link #sync} runs on the UI thread; stream callbacks post to it, tagged with the stream
 * they belong to so that output of a stream already replaced is dropped.
 */
final class OutputFollower {

    /** Past output shown when a process is selected. */
    static final long SCROLLBACK_BYTES = 32 * 1024;
    static final String UNAVAILABLE = "output not available from this daemon";

    private final Ui ui;
    private ProcKey current;
    private int generation = -1;
    private int token;
    private ClientCallStreamObserver<AttachOutputRequest> call;

    OutputFollower(Ui ui) {
        this.ui = ui;
    }

    /** Follows what the model has selected now; cheap when nothing changed. */
    void sync(ScreenModel m, Map<String, DaemonLink> links) {
        ProcKey want = m.selectedProcess();
        DaemonView d = want == null ? null : m.daemon(want.daemon());
        boolean live = d != null && d.link == DaemonView.Link.CONNECTED;
        int gen = live ? d.generation : -1;
        if (Objects.equals(want, current) && gen == generation) {
            return;
        }
        stop();
        boolean sameProcess = Objects.equals(want, current);
        current = want;
        generation = gen;
        if (want == null) {
            m.output.reset(null, "");
            return;
        }
        if (!live) {
            if (!sameProcess) {
                m.output.reset(want, "");
            }
            m.output.status("daemon " + want.daemon() + " is not connected");
            return;
        }
        m.output.reset(want, "attaching to the output...");
        start(links.get(want.daemon()), want);
    }

    private void start(DaemonLink link, ProcKey key) {
        int mine = ++token;
        AttachOutputRequest req = AttachOutputRequest.newBuilder().setName(key.fullName())
                .setStream(OutputStream.OUTPUT_STREAM_COMBINED).setScrollbackBytes(SCROLLBACK_BYTES)
                .setInputMode(InputMode.INPUT_MODE_READ_ONLY).build();
        link.asyncUnbounded().attachOutput(req, new ClientResponseObserver<AttachOutputRequest, AttachOutputResponse>() {
            /** This stream's call (set before any message comes). */
            private volatile ClientCallStreamObserver<AttachOutputRequest> self;

            @Override
            public void beforeStart(ClientCallStreamObserver<AttachOutputRequest> c) {
                call = c;
                self = c;
                // One message at a time, the next asked for once the UI thread has applied this
                // one: the inbox never holds more than a chunk per stream, and a UI that is busy
                // (or handed the terminal to a console) makes the daemon skip ahead instead.
                c.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(AttachOutputResponse r) {
                post(mine, self, pane -> {
                    switch (r.getKindCase()) {
                        case STARTED -> pane.status("");
                        case CHUNK -> pane.append(r.getChunk().getStream(), r.getChunk().getData().toByteArray());
                        case SKIPPED -> pane.notice("[" + r.getSkipped().getBytesSkipped() + " bytes skipped]");
                        case PROCESS_NOTICE -> pane.notice(notice(r));
                        default -> { }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                if (s.getCode() == Status.Code.CANCELLED) {
                    return;
                }
                String why = switch (s.getCode()) {
                    case UNIMPLEMENTED -> UNAVAILABLE;
                    case NOT_FOUND -> "[" + key.fullName() + " no longer exists]";
                    default -> "[output: " + Rpc.describe(t) + "]";
                };
                post(mine, null, pane -> pane.status(why));
            }

            @Override
            public void onCompleted() {
                post(mine, null, pane -> pane.status("[the output stream ended]"));
            }
        });
    }

    static String notice(AttachOutputResponse r) {
        var n = r.getProcessNotice();
        return n.getKind() == ProcessNoticeKind.PROCESS_NOTICE_KIND_STARTED
                ? "[process started, pid " + n.getProcess().getPid() + "]"
                : "[process " + (n.getProcess().hasLastExit() ? ProcessText.exit(n.getProcess().getLastExit()) : "ended") + "]";
    }

    /** Applies {@code change} on the UI thread if the stream is still the current one, then asks {@code next} for one more. */
    private void post(int mine, ClientCallStreamObserver<AttachOutputRequest> next, java.util.function.Consumer<OutputPane> change) {
        ui.post(m -> {
            if (mine == token) {
                change.accept(m.output);
                if (next != null) {
                    next.request(1);
                }
            }
        });
    }

    /** Stops following and forgets what was followed, so that the next {@link #sync} attaches afresh. UI thread. */
    void reset() {
        stop();
        current = null;
        generation = -1;
    }

    /** Cancels the current stream, if any. UI thread. */
    void stop() {
        token++;
        if (call != null) {
            call.cancel("selection changed", null);
            call = null;
        }
    }
}
