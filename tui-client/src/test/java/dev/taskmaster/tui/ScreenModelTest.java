package dev.taskmaster.tui;

import static dev.taskmaster.tui.P.changed;
import static dev.taskmaster.tui.P.fatal;
import static dev.taskmaster.tui.P.model;
import static dev.taskmaster.tui.P.names;
import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static dev.taskmaster.tui.P.stopped;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.ConfigReloaded;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ResourceUsage;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScreenModelTest {

    private static final ProcessInfo WEB = running("web", 100);
    private static final ProcessInfo W0 = running("worker:0", "worker", 200, 10);
    private static final ProcessInfo W1 = running("worker:1", "worker", 201, 20);
    private static final ProcessInfo BROKEN = fatal("broken");

    @Test
    void theSnapshotMakesTheRowsAndEventsChangeThem() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1));
        assertThat(names(m.lines())).containsExactly("web", "-worker", "worker:0", "worker:1");
        assertThat(m.counts()).isEqualTo(Map.of(ProcessState.PROCESS_STATE_RUNNING, 3));
        assertThat(m.daemon("default").link).isEqualTo(DaemonView.Link.CONNECTED);
        assertThat(m.daemon("default").sequence).isEqualTo(10);

        ProcessInfo exited = P.proc("worker:0", "worker", ProcessState.PROCESS_STATE_EXITED).setRestartCount(0)
                .setLastExit(P.killed("KILL", 9, 200)).build();
        m.apply("default", changed(11, ProcessState.PROCESS_STATE_RUNNING, exited, P.killed("KILL", 9, 200), "exited"));
        Row w0 = m.row(new ProcKey("default", "worker:0"));
        assertThat(w0.state()).isEqualTo(ProcessState.PROCESS_STATE_EXITED);
        assertThat(w0.exits()).hasSize(1);
        assertThat(Fmt.shortExit(w0.exits().getFirst())).isEqualTo("SIGKILL!");
        assertThat(w0.uptimeSeconds(P.NOW)).isEqualTo(-1);
        assertThat(m.counts()).containsEntry(ProcessState.PROCESS_STATE_RUNNING, 2).containsEntry(ProcessState.PROCESS_STATE_EXITED, 1);
        assertThat(m.daemon("default").sequence).isEqualTo(11);
        assertThat(m.ticker.entries().getFirst().text())
                .isEqualTo("worker:0 RUNNING -> EXITED: exited (killed by SIGKILL (unexpected))");
        assertThat(m.ticker.entries().getFirst().severity()).isEqualTo(Ticker.Severity.ERROR);

        ProcessInfo back = running("worker:0", "worker", 202, 0).toBuilder().setRestartCount(1).build();
        m.apply("default", changed(12, ProcessState.PROCESS_STATE_STARTING, back, null, "started"));
        assertThat(m.row(new ProcKey("default", "worker:0")).info().getRestartCount()).isEqualTo(1);
        assertThat(m.row(new ProcKey("default", "worker:0")).exits()).hasSize(1); // the exit stays in the history
    }

    @Test
    void aLogThatCannotBeWrittenIsRememberedOnItsRowForTheDetails() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0));
        m.apply("default", WatchEventsResponse.newBuilder().setEvent(Event.newBuilder().setSequence(11).setTime(P.ts(P.NOW))
                .setLogWritingStopped(dev.taskmaster.proto.v1.LogWritingStopped.newBuilder().setProcessName("web")
                        .setReason("no space left on device (ENOSPC)")
                        .setPolicy(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_BLOCK))).build());
        Row web = m.row(new ProcKey("default", "web"));
        assertThat(web.logWriting()).startsWith("STOPPED since ").endsWith(": no space left on device (ENOSPC) (on_log_full: block)");
        assertThat(m.ticker.entries().getFirst().severity()).isEqualTo(Ticker.Severity.ERROR);
        assertThat(m.row(new ProcKey("default", "worker:0")).logWriting()).isNull();
        m.apply("default", WatchEventsResponse.newBuilder().setEvent(Event.newBuilder().setSequence(12).setTime(P.ts(P.NOW))
                .setLogWritingResumed(dev.taskmaster.proto.v1.LogWritingResumed.newBuilder().setProcessName("web")
                        .setReason("no space left on device (ENOSPC)")
                        .setStoppedFor(com.google.protobuf.Duration.newBuilder().setSeconds(3)))).build());
        assertThat(web.logWriting()).startsWith("resumed at ").endsWith(" after 3s (no space left on device (ENOSPC)); 0 lines (0 bytes) lost");
        assertThat(m.ticker.entries().getFirst().text()).isEqualTo("web log written again after 3s: nothing lost");
    }

    @Test
    void missedEventsAndAFreshSnapshotReplaceEveryRow() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1));
        m.apply("default", P.missed("j2", 11));
        m.apply("default", snapshot("j2", 3, W0, BROKEN));
        assertThat(names(m.lines())).containsExactly("broken", "worker:0");
        assertThat(m.daemon("default").journalId).isEqualTo("j2");
        assertThat(m.daemon("default").sequence).isEqualTo(3);
        assertThat(m.ticker.entries()).extracting(Ticker.Entry::text).anySatisfy(t -> assertThat(t).contains("events missed from #11"));
    }

    @Test
    void aDisconnectedDaemonsRowsAreMarkedStaleUntilItsStreamSpeaksAgain() {
        ScreenModel m = model(snapshot("j1", 10, WEB, BROKEN));
        m.disconnected("default", "cannot reach the daemon", P.NOW.plusSeconds(2));
        assertThat(m.daemon("default").link).isEqualTo(DaemonView.Link.DISCONNECTED);
        assertThat(m.rows()).allMatch(Row::stale);
        assertThat(m.counts()).isEmpty();
        assertThat(m.staleCount()).isEqualTo(2);
        assertThat(m.row(new ProcKey("default", "web")).uptimeSeconds(P.NOW)).isEqualTo(-1);
        assertThat(m.ticker.entries().getFirst().text()).isEqualTo("disconnected: cannot reach the daemon");

        int generation = m.daemon("default").generation;
        m.connecting("default");
        assertThat(m.rows()).allMatch(Row::stale); // dialling is not knowing
        m.apply("default", P.heartbeat(10)); // resumed: nothing happened meanwhile
        assertThat(m.rows()).noneMatch(Row::stale);
        assertThat(m.daemon("default").link).isEqualTo(DaemonView.Link.CONNECTED);
        assertThat(m.daemon("default").generation).isEqualTo(generation + 1);
    }

    @Test
    void aDaemonNeverReachedTellsEachNewReasonOnce() {
        ScreenModel m = new ScreenModel(P.CLOCK, List.of("web1"));
        m.disconnected("web1", "cannot trust taskmasterd at web1:7443: its certificate (CN=web1) expired on 2026-11-30 12:00:00 UTC", null);
        m.connecting("web1");
        m.disconnected("web1", "cannot trust taskmasterd at web1:7443: its certificate (CN=web1) expired on 2026-11-30 12:00:00 UTC", null);
        m.disconnected("web1", "cannot reach taskmasterd at web1:7443 (connection refused: nothing listens on that port)", null);
        assertThat(m.ticker.entries()).extracting(Ticker.Entry::text).containsExactly(
                "cannot connect: cannot reach taskmasterd at web1:7443 (connection refused: nothing listens on that port)",
                "cannot connect: cannot trust taskmasterd at web1:7443: its certificate (CN=web1) expired on 2026-11-30 12:00:00 UTC");
    }

    @Test
    void onlyTheDisconnectedDaemonGoesStale() {
        ScreenModel m = new ScreenModel(P.CLOCK, List.of("a", "b"));
        m.apply("a", snapshot("ja", 1, WEB));
        m.apply("b", snapshot("jb", 1, WEB));
        m.disconnected("b", "gone", null);
        assertThat(m.row(new ProcKey("a", "web")).stale()).isFalse();
        assertThat(m.row(new ProcKey("b", "web")).stale()).isTrue();
        assertThat(m.counts()).isEqualTo(Map.of(ProcessState.PROCESS_STATE_RUNNING, 1));
        assertThat(m.ticker.entries().getFirst().daemon()).isEqualTo("b");
    }

    @Test
    void theFilterMatchesNamesGroupsStatesAndKeepsGroupHeaders() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1, BROKEN));
        m.filter("work");
        assertThat(names(m.lines())).containsExactly("-worker", "worker:0", "worker:1");
        m.filter(":1");
        assertThat(names(m.lines())).containsExactly("-worker", "worker:1");
        m.filter("FATAL");
        assertThat(names(m.lines())).containsExactly("broken");
        m.filter("nothing like it");
        assertThat(m.lines()).isEmpty();
        assertThat(m.selected()).isNull();
    }

    @Test
    void sortingPutsTroubleFirstAndKeepsGroupsTogether() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1, BROKEN, stopped("idle")));
        assertThat(names(m.lines())).containsExactly("broken", "idle", "web", "-worker", "worker:0", "worker:1");
        m.nextSort(); // STATE
        assertThat(m.sort()).isEqualTo(ScreenModel.Sort.STATE);
        assertThat(names(m.lines())).containsExactly("broken", "idle", "web", "-worker", "worker:0", "worker:1");
        m.nextSort(); // UPTIME, longest first
        assertThat(names(m.lines())).containsExactly("web", "-worker", "worker:1", "worker:0", "broken", "idle");
        m.reverse();
        assertThat(names(m.lines()).getFirst()).isIn("broken", "idle");
    }

    @Test
    void theSelectionFollowsItsProcessThroughUpdatesAndResorting() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1, BROKEN));
        m.last();
        assertThat(m.selectedProcess()).isEqualTo(new ProcKey("default", "worker:1"));
        m.nextSort();
        m.nextSort();
        assertThat(m.selectedProcess()).isEqualTo(new ProcKey("default", "worker:1"));
        m.first();
        assertThat(m.selectedProcess()).isEqualTo(new ProcKey("default", "web"));
        m.move(-5);
        assertThat(m.selectedIndex()).isZero();
        m.move(1);
        assertThat(m.selected()).isInstanceOf(Line.Group.class);
        assertThat(m.selectedProcess()).isNull(); // a group has no single output
    }

    @Test
    void aGroupCollapsesAndExpandsFromAnyOfItsLines() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1));
        m.last(); // worker:1
        m.toggleGroup();
        assertThat(names(m.lines())).containsExactly("web", "+worker");
        assertThat(m.selected()).isInstanceOf(Line.Group.class);
        m.toggleGroup();
        assertThat(names(m.lines())).containsExactly("web", "-worker", "worker:0", "worker:1");
        m.first(); // web: a group of one has no header and nothing to collapse
        m.toggleGroup();
        assertThat(names(m.lines())).containsExactly("web", "-worker", "worker:0", "worker:1");
    }

    @Test
    void theSelectionStaysVisibleInTheTableWindow() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0, W1, BROKEN, stopped("idle")));
        List<Line> lines = m.lines();
        assertThat(m.top(3, lines)).isZero();
        m.last();
        assertThat(m.top(3, lines)).isEqualTo(3);
        m.first();
        assertThat(m.top(3, lines)).isZero();
    }

    @Test
    void aReloadRemovesGoneProcessesAndAListingAddsNewOnesWithoutOverwritingEvents() {
        ScreenModel m = model(snapshot("j1", 10, WEB, W0));
        WatchEventsResponse reload = WatchEventsResponse.newBuilder().setEvent(Event.newBuilder().setSequence(11).setTime(P.ts(P.NOW))
                .setConfigReloaded(ConfigReloaded.newBuilder().setDiff(ConfigDiff.newBuilder().addRemovedPrograms("web")
                        .addRemovedProcesses("web").addAddedPrograms("idle").addAddedProcesses("idle")))).build();
        m.apply("default", reload);
        assertThat(names(m.lines())).containsExactly("worker:0");
        ProcessInfo w0Later = W0.toBuilder().setState(ProcessState.PROCESS_STATE_STOPPING).build();
        m.apply("default", changed(12, ProcessState.PROCESS_STATE_RUNNING, w0Later, null, "stop requested"));
        m.added("default", List.of(W0, stopped("idle")));
        assertThat(names(m.lines())).containsExactly("idle", "worker:0");
        assertThat(m.row(new ProcKey("default", "worker:0")).state()).isEqualTo(ProcessState.PROCESS_STATE_STOPPING);
    }

    @Test
    void usageComesFromPollsForRunningProcessesOnly() {
        ScreenModel m = model(snapshot("j1", 10, WEB, BROKEN));
        ResourceUsage u = ResourceUsage.newBuilder().setCpuPercent(12.5).setRssBytes(3 << 20).build();
        m.usage("default", List.of(WEB.toBuilder().setUsage(u).build(), BROKEN.toBuilder().setUsage(u).build()));
        assertThat(m.row(new ProcKey("default", "web")).usage()).isEqualTo(u);
        assertThat(m.row(new ProcKey("default", "broken")).usage()).isNull();
        m.usage("default", List.of(WEB)); // the daemon stopped sampling: "-" again
        assertThat(m.row(new ProcKey("default", "web")).usage()).isNull();
    }

    @Test
    void theOutputPaneCutsLinesPerStreamAndCleansTerminalControls() {
        OutputPane pane = new OutputPane();
        ProcKey k = new ProcKey("default", "web");
        pane.reset(k, "attaching");
        pane.append(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT, "hel".getBytes());
        pane.append(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDERR, "oops\n".getBytes());
        pane.append(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT, "lo\r\n\u001b[1;31mred\u001b[0m\tx\n".getBytes());
        pane.append(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT, "10%\r50%\rdone\n$ ".getBytes());
        assertThat(pane.lines()).extracting(OutputPane.Line::text).containsExactly("oops", "hello", "red     x", "done", "$ ");
        assertThat(pane.lines().getFirst().stream()).isEqualTo(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDERR);
        assertThat(OutputPane.clean("\u001b]0;title\u0007a\u001b(Bb")).isEqualTo("ab");
        pane.scrollBy(2, 2);
        assertThat(pane.scroll()).isEqualTo(2);
        pane.scrollBy(-10, 2);
        assertThat(pane.scroll()).isZero();
    }
}
