package dev.taskmaster.tui;

import static dev.taskmaster.tui.P.model;
import static dev.taskmaster.tui.P.running;
import static dev.taskmaster.tui.P.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerTest {

    /** Records every action asked for, as one line each. */
    static final class Recorder implements Actions {
        final List<String> calls = new ArrayList<>();

        @Override public void start(String d, List<String> t, String w) { calls.add("start " + d + " " + t); }
        @Override public void stop(String d, List<String> t, String w) { calls.add("stop " + d + " " + t); }
        @Override public void restart(String d, List<String> t, String w) { calls.add("restart " + d + " " + t); }
        @Override public void pause(String d, List<String> t, String w) { calls.add("pause " + d + " " + t); }
        @Override public void resume(String d, List<String> t, String w) { calls.add("resume " + d + " " + t); }
        @Override public void signal(String d, List<String> t, String s, String w) { calls.add("signal " + s + " " + d + " " + t); }
        @Override public void reload(String d) { calls.add("reload " + d); }
        @Override public void shutdown(String d) { calls.add("shutdown " + d); }
        @Override public void stopAll() { calls.add("stopAll"); }
        @Override public void details(ProcKey k) { calls.add("details " + k.fullName()); }
        @Override public void attach(ProcKey k) { calls.add("attach " + k.fullName()); }
    }

    private final ScreenModel m = model(snapshot("j", 5, running("web", 1), running("worker:0", "worker", 2, 5),
            running("worker:1", "worker", 3, 5)));
    private final Recorder actions = new Recorder();
    private final Controller c = new Controller(m, actions);

    private void type(String keys) {
        for (char ch : keys.toCharArray()) {
            c.handle(new KeyStroke(ch, false, false));
        }
    }

    private void press(KeyType t) {
        c.handle(new KeyStroke(t));
    }

    @Test
    void oneProcessIsActedOnAtOnce() {
        type("x");
        type("s");
        type("r");
        type("p");
        assertThat(actions.calls).containsExactly("stop default [web]", "start default [web]", "restart default [web]",
                "pause default [web]");
    }

    @Test
    void aPausedProcessIsResumedByTheSameKey() {
        m.apply("default", P.changed(6, dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_RUNNING,
                P.proc("web", "web", dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_PAUSED).setPid(1).build(), null, "paused"));
        type("p");
        assertThat(actions.calls).containsExactly("resume default [web]");
    }

    @Test
    void stoppingAGroupAsksFirst() {
        type("j"); // the worker group header
        type("x");
        assertThat(actions.calls).isEmpty();
        assertThat(m.overlay()).isInstanceOfSatisfying(Overlay.Confirm.class,
                q -> assertThat(q.question()).isEqualTo("Stop group worker (2 processes)?"));
        type("n");
        assertThat(actions.calls).isEmpty();
        assertThat(m.message()).isEqualTo("cancelled");
        type("x");
        type("y");
        assertThat(actions.calls).containsExactly("stop default [worker:*]");
        type("s"); // starting is not destructive
        assertThat(actions.calls).containsExactly("stop default [worker:*]", "start default [worker:*]");
    }

    @Test
    void stopAllReloadAndShutdownAskFirst() {
        type("X");
        assertThat(m.overlay()).isInstanceOf(Overlay.Confirm.class);
        type("y");
        type("R");
        press(KeyType.Escape);
        type("Q");
        type("Y");
        assertThat(actions.calls).containsExactly("stopAll", "shutdown default");
    }

    @Test
    void aSignalIsPickedFromTheList() {
        type("K");
        assertThat(m.overlay()).isInstanceOf(Overlay.SignalPicker.class);
        type("jj");
        press(KeyType.ArrowUp);
        press(KeyType.Enter);
        assertThat(actions.calls).containsExactly("signal INT default [web]");
        assertThat(m.overlay()).isNull();
    }

    @Test
    void vimKeysAndArrowsMoveAlike() {
        type("G");
        assertThat(m.selectedProcess().fullName()).isEqualTo("worker:1");
        type("k");
        press(KeyType.ArrowUp);
        assertThat(m.selected()).isInstanceOf(Line.Group.class);
        press(KeyType.ArrowDown);
        type("j");
        assertThat(m.selectedProcess().fullName()).isEqualTo("worker:1");
        type("g");
        assertThat(m.selectedProcess().fullName()).isEqualTo("web");
        press(KeyType.End);
        assertThat(m.selectedProcess().fullName()).isEqualTo("worker:1");
    }

    @Test
    void slashTypesAFilterThatEnterKeepsAndEscClears() {
        type("/worx");
        assertThat(m.filterEditing()).isTrue();
        press(KeyType.Backspace);
        type("ker:1");
        press(KeyType.Enter);
        assertThat(m.filterEditing()).isFalse();
        assertThat(m.filter()).isEqualTo("worker:1");
        assertThat(P.names(m.lines())).containsExactly("-worker", "worker:1");
        assertThat(m.selected()).isInstanceOf(Line.Group.class); // web was filtered out: the first line is selected
        type("jx"); // keys act again once the filter is kept
        assertThat(actions.calls).containsExactly("stop default [worker:1]");
        press(KeyType.Escape);
        assertThat(m.filter()).isEmpty();
    }

    @Test
    void attachDetailsAndHelp() {
        press(KeyType.Enter);
        type("a");
        type("d");
        assertThat(m.overlay()).isInstanceOf(Overlay.Details.class);
        press(KeyType.Escape);
        type("?");
        assertThat(m.overlay()).isInstanceOf(Overlay.Help.class);
        type("x"); // swallowed by the overlay
        press(KeyType.Escape);
        assertThat(m.overlay()).isNull();
        assertThat(actions.calls).containsExactly("attach web", "attach web", "details web");
    }

    @Test
    void nothingIsSentToADisconnectedDaemon() {
        m.disconnected("default", "gone", null);
        type("x");
        type("a");
        assertThat(actions.calls).isEmpty();
        assertThat(m.message()).contains("not connected");
        assertThat(m.messageError()).isTrue();
    }

    @Test
    void qAndCtrlCQuit() {
        type("q");
        assertThat(m.quit()).isTrue();
        ScreenModel other = model(snapshot("j", 1));
        new Controller(other, actions).handle(new KeyStroke('c', true, false));
        assertThat(other.quit()).isTrue();
    }
}
