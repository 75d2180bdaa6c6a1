package dev.taskmaster.tui;

import dev.taskmaster.testkit.Poll;

import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputChunk;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The links, the output pane and the console against an in-process daemon the test drives. */
class NetworkTest {

    /** The UI thread of the tests: one thread applying posted tasks to the model, in order. */
    static final class TestUi implements Ui {
        final ScreenModel model;
        final ExecutorService thread = Executors.newSingleThreadExecutor();

        TestUi() {
            this(List.of("default"));
        }

        TestUi(List<String> daemons) {
            model = new ScreenModel(Clock.systemUTC(), daemons);
        }

        @Override
        public void post(java.util.function.Consumer<ScreenModel> task) {
            thread.execute(() -> task.accept(model));
        }

        <T> T get(Function<ScreenModel, T> f) throws Exception {
            return thread.submit(() -> f.apply(model)).get(10, TimeUnit.SECONDS);
        }

        void await(String what, Predicate<ScreenModel> ok) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!get(ok::test)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for " + what);
                }
                Thread.sleep(10);
            }
        }
    }

    private final FakeDaemon daemon = new FakeDaemon();
    private final TestUi ui = new TestUi();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private Server server;
    private DaemonChannel channel;
    private DaemonLink link;

    @BeforeEach
    void setUp() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(daemon).build().start();
        channel = DaemonChannel.of(InProcessChannelBuilder.forName(name).build(), "in-process:" + name);
        link = new DaemonLink(new Target("default", dev.taskmaster.client.DaemonTarget.unix(Path.of("/unused"))), channel, ui, timer);
    }

    @AfterEach
    void tearDown() {
        link.close();
        channel.close();
        server.shutdownNow();
        timer.shutdownNow();
        ui.thread.shutdownNow();
    }

    private FakeDaemon.Call<WatchEventsRequest, WatchEventsResponse> connected() throws Exception {
        link.start();
        var watch = FakeDaemon.next(daemon.watches);
        watch.response().onNext(snapshot("j1", 7, running("web", 1), running("db", 2)));
        ui.await("the snapshot applied", m -> m.rows().size() == 2 && m.daemon("default").link == DaemonView.Link.CONNECTED);
        return watch;
    }

    @Test
    void aLostDaemonIsMarkedThenResumedFromTheNextSequence() throws Exception {
        var watch = connected();
        assertThat(watch.request().getFromSequence()).isZero();
        assertThat(watch.request().getHeartbeatInterval().getSeconds()).isEqualTo(2);
        assertThat(ui.<String>get(m -> m.daemon("default").info.getVersion())).isEqualTo("9.9.9");
        watch.response().onNext(P.changed(8, dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_RUNNING, P.stopped("db"), null, "stop"));
        watch.response().onError(Status.UNAVAILABLE.withDescription("taskmasterd is shutting down").asRuntimeException());

        ui.await("the daemon shown disconnected", m -> m.daemon("default").link == DaemonView.Link.DISCONNECTED);
        assertThat(ui.<String>get(m -> m.daemon("default").error)).isEqualTo("taskmasterd is shutting down");
        assertThat(ui.<Boolean>get(m -> m.rows().stream().allMatch(Row::stale))).isTrue();

        var again = FakeDaemon.next(daemon.watches); // the retry, after its backoff
        assertThat(again.request().getFromSequence()).isEqualTo(9);
        assertThat(again.request().getJournalId()).isEqualTo("j1");
        again.response().onNext(P.heartbeat(8));
        ui.await("the rows current again", m -> m.daemon("default").link == DaemonView.Link.CONNECTED
                && m.rows().stream().noneMatch(Row::stale));
        assertThat(ui.<dev.taskmaster.proto.v1.ProcessState>get(m -> m.row(new ProcKey("default", "db")).state()))
                .isEqualTo(dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_STOPPED);

        // A daemon restarted meanwhile: told so, and a fresh snapshot replaces everything.
        again.response().onError(Status.UNAVAILABLE.asRuntimeException());
        var third = FakeDaemon.next(daemon.watches);
        third.response().onNext(P.missed("j2", 9));
        third.response().onNext(snapshot("j2", 2, running("web", 5)));
        ui.await("the fresh snapshot", m -> m.rows().size() == 1 && m.daemon("default").journalId.equals("j2"));
    }

    /**
     * The resume asks for the last sequence seen + 1 ("replay every kept event with sequence >= N"):
     * a daemon that replays from further back still shows each event once.
     */
    @Test
    void aResumedStreamAsksForTheNextSequenceAndShowsNoEventTwice() throws Exception {
        var watch = connected();
        watch.response().onNext(P.changed(8, dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_RUNNING, P.stopped("db"), null, "reason-eight"));
        ui.await("event 8 shown", m -> m.ticker.entries().stream().anyMatch(e -> e.text().contains("reason-eight")));
        watch.response().onError(Status.UNAVAILABLE.asRuntimeException());
        var again = FakeDaemon.next(daemon.watches);
        assertThat(again.request().getFromSequence()).isEqualTo(9);
        again.response().onNext(P.changed(8, dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_RUNNING, P.stopped("db"), null, "reason-eight"));
        again.response().onNext(P.changed(9, dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_STOPPED, running("db", 3), null, "reason-nine"));
        ui.await("event 9 shown", m -> m.ticker.entries().stream().anyMatch(e -> e.text().contains("reason-nine")));
        assertThat(ui.<Long>get(m -> m.ticker.entries().stream().filter(e -> e.text().contains("reason-eight")).count()))
                .as("event 8, once").isEqualTo(1L);
    }

    @Test
    void theOutputPaneSaysSoWhenTheDaemonHasNoOutputApi() throws Exception {
        connected();
        OutputFollower follower = new OutputFollower(ui);
        ui.get(m -> {
            follower.sync(m, Map.of("default", link));
            return null;
        });
        ui.await("the pane's one line", m -> m.output.status().equals(OutputFollower.UNAVAILABLE));
        assertThat(ui.<List<OutputPane.Line>>get(m -> m.output.lines())).isEmpty();
        assertThat(ui.<ProcKey>get(m -> m.output.key())).isEqualTo(new ProcKey("default", "db")); // db sorts first
    }

    @Test
    void theOutputPaneFollowsTheSelectedProcess() throws Exception {
        daemon.attachImplemented = true;
        connected();
        OutputFollower follower = new OutputFollower(ui);
        Runnable sync = () -> ui.post(m -> follower.sync(m, Map.of("default", link)));
        sync.run();
        var db = FakeDaemon.next(daemon.attaches);
        assertThat(db.request().getName()).isEqualTo("db");
        assertThat(db.request().getInputMode()).isEqualTo(InputMode.INPUT_MODE_READ_ONLY);
        assertThat(db.request().getScrollbackBytes()).isPositive();
        db.response().onNext(AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder().setSessionId("s1")).build());
        db.response().onNext(chunk(OutputStream.OUTPUT_STREAM_STDOUT, "ready\nacc"));
        db.response().onNext(chunk(OutputStream.OUTPUT_STREAM_STDERR, "warn\n"));
        db.response().onNext(chunk(OutputStream.OUTPUT_STREAM_STDOUT, "epting\n"));
        ui.await("three lines", m -> m.output.lines().size() == 3);
        assertThat(ui.<List<OutputPane.Line>>get(m -> m.output.lines())).containsExactly(new OutputPane.Line(OutputStream.OUTPUT_STREAM_STDOUT, "ready"),
                new OutputPane.Line(OutputStream.OUTPUT_STREAM_STDERR, "warn"),
                new OutputPane.Line(OutputStream.OUTPUT_STREAM_STDOUT, "accepting"));

        ui.post(m -> m.move(1)); // web
        sync.run();
        var web = FakeDaemon.next(daemon.attaches);
        assertThat(web.request().getName()).isEqualTo("web");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!db.cancelled()) {
            assertThat(System.nanoTime()).as("the old stream cancelled").isLessThan(deadline);
            Thread.sleep(10);
        }
        web.response().onNext(chunk(OutputStream.OUTPUT_STREAM_STDOUT, "web line\n"));
        ui.await("web's output only", m -> m.output.lines().equals(List.of(
                new OutputPane.Line(OutputStream.OUTPUT_STREAM_STDOUT, "web line"))));
    }

    static AttachOutputResponse chunk(OutputStream s, String text) {
        return AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder().setStream(s)
                .setData(ByteString.copyFrom(text, StandardCharsets.UTF_8))).build();
    }

    /** A console on pipes: what the user types, what the terminal shows, and whether the screen was handed over. */
    static final class ConsoleRig implements Console.Handover {
        final PipedOutputStream keyboard = new PipedOutputStream();
        final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        final StdinPump pump;
        final Console console;
        volatile int suspended;
        volatile int resumed;

        ConsoleRig() throws Exception {
            pump = new StdinPump(new PipedInputStream(keyboard), b -> { }, () -> { });
            pump.startDaemon();
            console = new Console(pump, terminal, this);
        }

        @Override
        public void suspend() {
            suspended++;
        }

        @Override
        public void resume() {
            resumed++;
        }

        @Override
        public WinSize.Size size() {
            return new WinSize.Size(24, 80);
        }

        String shown() {
            synchronized (terminal) {
                return terminal.toString(StandardCharsets.UTF_8);
            }
        }

        void type(String s) throws Exception {
            keyboard.write(s.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }
    }

    @Test
    void theConsoleSendsKeystrokesWithItsSessionAndDetachesOnCtrlBracket() throws Exception {
        daemon.attachImplemented = true;
        connected();
        ConsoleRig rig = new ConsoleRig();
        Future<String> session = Executors.newSingleThreadExecutor().submit(() -> rig.console.run(link, "web"));
        var call = FakeDaemon.next(daemon.attaches);
        AttachOutputRequest req = call.request();
        assertThat(req.getName()).isEqualTo("web");
        assertThat(req.getInputMode()).isEqualTo(InputMode.INPUT_MODE_EXCLUSIVE);
        assertThat(rig.suspended).isEqualTo(1);
        call.response().onNext(AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder().setSessionId("sess-1")
                .setTty(true).setInputLease(InputLease.newBuilder().setGranted(true))).build());
        call.response().onNext(chunk(OutputStream.OUTPUT_STREAM_STDOUT, "$ "));
        rig.type("ls\r");
        rig.type("\u0003"); // Ctrl-C goes to the program, it does not end the console
        await("both keystrokes sent", () -> daemon.inputs.stream().map(i -> i.getData().toStringUtf8())
                .reduce("", String::concat).equals("ls\r\u0003"));
        assertThat(daemon.inputs).allSatisfy(i -> {
            assertThat(i.getSessionId()).isEqualTo("sess-1");
            assertThat(i.getName()).isEqualTo("web");
        });
        await("the window size passed", () -> !daemon.resizes.isEmpty());
        assertThat(daemon.resizes.getFirst().getRows()).isEqualTo(24);
        assertThat(daemon.resizes.getFirst().getCols()).isEqualTo(80);
        rig.console.resized(new WinSize.Size(40, 120));
        await("the new size passed", () -> daemon.resizes.size() == 2);
        assertThat(daemon.resizes.get(1).getCols()).isEqualTo(120);

        rig.type("x\u001dignored");
        assertThat(session.get(10, TimeUnit.SECONDS)).isEqualTo(Console.DETACHED);
        assertThat(rig.resumed).isEqualTo(1);
        assertThat(rig.shown()).contains("[attached to web on default; Ctrl-] detaches]").endsWith("$ ");
        await("the stream cancelled", call::cancelled);
        await("the x before the detach key sent", () -> daemon.inputs.getLast().getData().toStringUtf8().equals("x"));
        assertThat(daemon.inputs).noneMatch(i -> i.getData().toStringUtf8().contains("ignored"));
    }

    @Test
    void aConsoleTheDaemonCannotGiveEndsWithItsReasonAfterAKey() throws Exception {
        connected();
        ConsoleRig rig = new ConsoleRig();
        Future<String> session = Executors.newSingleThreadExecutor().submit(() -> rig.console.run(link, "web"));
        await("the reason shown", () -> rig.shown().contains("[output not available from this daemon; press any key to return]"));
        assertThat(session.isDone()).isFalse();
        rig.type("q");
        assertThat(session.get(10, TimeUnit.SECONDS)).isEqualTo(OutputFollower.UNAVAILABLE);
        assertThat(rig.resumed).isEqualTo(1);
    }

    static void await(String what, java.util.function.BooleanSupplier ok) throws InterruptedException {
        Poll.until(what, java.time.Duration.ofSeconds(10), ok);
    }
}
