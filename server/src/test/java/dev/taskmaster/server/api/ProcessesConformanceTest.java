package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Duration;
import com.google.rpc.Code;
import dev.taskmaster.proto.v1.AdoptProcessRequest;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of the process RPCs (ListProcesses, GetProcess, Start/Stop/Restart/Signal/
 * Pause/ResumeProcesses, AdoptProcess), sentence by sentence, against the real engine and real
 * processes in process (issue 12). Each test quotes the sentence of
 * proto/src/main/proto/taskmaster/v1/taskmaster.proto it checks; every documented error path
 * is asserted with its code and its description.
 */
class ProcessesConformanceTest {

    @TempDir
    Path dir;
    LiveDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new LiveDaemon(dir, """
                programs:
                  web:
                    cmd: sleep 1000
                    numprocs: 2
                    starttime: 0
                    stoptime: 2
                  db:
                    cmd: sleep 1000
                    starttime: 0
                    priority: 10
                    group: data
                    stoptime: 2
                  idle:
                    cmd: sleep 1000
                    starttime: 0
                    autostart: false
                  stubborn:
                    cmd: sh -c "trap '' TERM; while :; do sleep 0.1; done"
                    starttime: 0
                    stoptime: 5
                    priority: 20
                  broken:
                    cmd: /nonexistent/taskmaster-test-binary
                    autostart: false
                    startretries: 0
                  slow:
                    cmd: sleep 1000
                    starttime: 30
                    autostart: false
                """);
        for (String p : List.of("web:0", "web:1", "db", "stubborn")) {
            daemon.await(p, dev.taskmaster.server.engine.ProcessState.RUNNING);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    static Duration millis(long ms) {
        return Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
    }

    static Duration negative() {
        return Duration.newBuilder().setSeconds(-1).build();
    }

    static Status status(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to fail").isNotNull();
        return e.getStatus();
    }

    static Code code(ProcessResult r) {
        return Code.forNumber(r.getStatus().getCode());
    }

    ProcessInfo process(String name) {
        return daemon.stub().getProcess(GetProcessRequest.newBuilder().setName(name).build()).getProcess();
    }

    // "Targets are matched in that order; duplicates are acted on once. Results are ordered by
    // priority, then full name." / ListProcesses: "The matching processes, ordered by priority
    // then full name."
    @Test
    void listingsAndResultsAreOrderedByPriorityThenFullNameAndDuplicatesCountOnce() {
        ListProcessesResponse all = daemon.stub().listProcesses(ListProcessesRequest.getDefaultInstance());
        assertThat(all.getProcessesList()).extracting(ProcessInfo::getFullName)
                .containsExactly("db", "stubborn", "broken", "idle", "slow", "web:0", "web:1");
        // "The list reflects every event up to this sequence".
        assertThat(all.getSequence()).isLessThanOrEqualTo(daemon.journal.lastSequence()).isPositive();
        List<ProcessResult> r = daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("web:1")
                .addTargets("web").addTargets("data:*").addTargets("db").setSignal("CONT").build()).getResultsList();
        assertThat(r).extracting(ProcessResult::getFullName).containsExactly("db", "web:0", "web:1");
    }

    // "Targets … "<group>:*" every process of a group; "<full name>"; "<group>:<name>";
    // "<program>" … every instance of the program"
    @Test
    void everyTargetFormIsUnderstood() {
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("data:*").build())))
                .containsExactly("db");
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("data:db").build())))
                .containsExactly("db");
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("web").build())))
                .containsExactly("web:0", "web:1");
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("web:web:1").build())))
                .containsExactly("web:1");
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("all").build())))
                .hasSize(7);
    }

    static List<String> names(ListProcessesResponse r) {
        return r.getProcessesList().stream().map(ProcessInfo::getFullName).toList();
    }

    // ListProcesses: "Codes: INVALID_ARGUMENT (malformed target), NOT_FOUND (a target matches
    // nothing)." / "NOT_FOUND for an unknown process or program always names it and suggests the
    // closest existing name"
    @Test
    void listProcessesRefusesMalformedTargetsAndNamesUnknownOnes() {
        Status empty = status(() -> daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("").build()));
        assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(empty.getDescription()).isEqualTo("empty target; expected a process or program name, group:name,"
                + " group:* or all");
        Status spaced = status(() -> daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("web ").build()));
        assertThat(spaced.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(spaced.getDescription()).isEqualTo("malformed target \"web \"; expected a process or program name,"
                + " group:name, group:* or all (letters, digits, '_', '.', ':', '@', '-')");
        Status unknown = status(() -> daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("wbe").build()));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).isEqualTo("no process, program or group named \"wbe\"; did you mean \"web\"?");
    }

    // Issue 12: "An unknown target of 100 KB is echoed whole into the error, which overflows the
    // client's metadata limit: cut echoed input." (brief: at most 200 characters of echoed input,
    // "…" and its length)
    @Test
    void aHugeUnknownTargetIsCutInTheDescription() {
        String huge = "x".repeat(100 * 1024);
        Status s = status(() -> daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets(huge).build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(s.getDescription()).isEqualTo("no process, program or group named \"" + "x".repeat(200)
                + "…\" (102400 characters)");
        Status m = status(() -> daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("web")
                .setSignal("9".repeat(100_000)).build()));
        assertThat(m.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(m.getDescription()).startsWith("unknown signal \"" + "9".repeat(200) + "…\" (100000 characters); expected");
    }

    // "RPCs taking several targets validate them all before acting: if any matches nothing the
    // call fails with NOT_FOUND and does nothing"
    @Test
    void oneUnknownTargetAmongSeveralMakesTheWholeCallDoNothing() {
        int pid = process("db").getPid();
        Status s = status(() -> daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("db")
                .addTargets("nothing-like-it").setWait(true).build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(s.getDescription()).isEqualTo("no process, program or group named \"nothing-like-it\"");
        assertThat(process("db").getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(process("db").getPid()).isEqualTo(pid);
    }

    // GetProcess: "Codes: INVALID_ARGUMENT (empty name), NOT_FOUND (no such process)."
    @Test
    void getProcessNeedsANameAndNamesWhatItDoesNotFind() {
        Status empty = status(() -> daemon.stub().getProcess(GetProcessRequest.getDefaultInstance()));
        assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(empty.getDescription()).isEqualTo("name is required; it is empty");
        Status missing = status(() -> daemon.stub().getProcess(GetProcessRequest.newBuilder().setName("dbb").build()));
        assertThat(missing.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getDescription()).isEqualTo("no process, program or group named \"dbb\"; did you mean \"db\"?");
        // ProcessInfo.full_name: ""<group>:<name>" also addresses it".
        assertThat(process("data:db").getFullName()).isEqualTo("db");
    }

    // Start/Stop/Restart/Pause/Resume: "Codes: INVALID_ARGUMENT, NOT_FOUND" / "targets …
    // Required, non-empty." / timeout: "the longest to wait" (a negative one is no length of time)
    @Test
    void commandsRefuseNoTargetAndANegativeOrMalformedTimeout() {
        Status none = status(() -> daemon.stub().startProcesses(StartProcessesRequest.getDefaultInstance()));
        assertThat(none.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(none.getDescription()).isEqualTo("name what to act on: a process or program name, group:name, group:* or all");
        List<Runnable> calls = List.of(
                () -> daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("idle").setWait(true)
                        .setTimeout(negative()).build()),
                () -> daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setTimeout(negative()).build()),
                () -> daemon.stub().restartProcesses(RestartProcessesRequest.newBuilder().addTargets("db").setWait(true)
                        .setTimeout(negative()).build()),
                () -> daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("db").setTimeout(negative()).build()),
                () -> daemon.stub().resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("db").setTimeout(negative()).build()));
        for (Runnable call : calls) {
            Status s = status(call);
            assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).isEqualTo("timeout: expected a duration >= 0, found -1 s");
        }
        Status malformed = status(() -> daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("db")
                .setTimeout(Duration.newBuilder().setSeconds(1).setNanos(-5)).build()));
        assertThat(malformed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(malformed.getDescription()).startsWith("timeout: expected a valid duration, found seconds=1 nanos=-5");
        // Nothing was touched by any of them.
        assertThat(process("db").getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(process("idle").getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
    }

    // StartProcesses: "Already running processes are left alone (ProcessResult.changed = false)."
    // "Per process: FAILED_PRECONDITION (STOPPING or PAUSED), ABORTED (spawn failed / exited too
    // quickly, with wait), DEADLINE_EXCEEDED (wait timed out)."
    @Test
    void startSaysPerProcessWhatBecameOfEach() {
        int pid = process("db").getPid();
        ProcessResult running = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("db")
                .setWait(true).build()).getResults(0);
        assertThat(code(running)).isEqualTo(Code.OK);
        assertThat(running.getChanged()).isFalse();
        assertThat(running.getProcess().getPid()).isEqualTo(pid);

        daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("web:0").build());
        ProcessResult paused = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("web:0").build())
                .getResults(0);
        assertThat(code(paused)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(paused.getStatus().getMessage()).isEqualTo("web:0 is PAUSED; resume it first");

        daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("stubborn").build());
        ProcessResult stopping = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("stubborn").build())
                .getResults(0);
        assertThat(code(stopping)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(stopping.getStatus().getMessage()).isEqualTo("stubborn: is stopping; start it once it has stopped, or restart it");

        ProcessResult broken = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("broken")
                .setWait(true).build()).getResults(0);
        assertThat(code(broken)).isEqualTo(Code.ABORTED);
        assertThat(broken.getStatus().getMessage()).startsWith("broken: FATAL (could not start: ");
        assertThat(broken.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_FATAL);

        ProcessResult slow = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("slow")
                .setWait(true).setTimeout(millis(200)).build()).getResults(0);
        assertThat(code(slow)).isEqualTo(Code.DEADLINE_EXCEEDED);
        assertThat(slow.getStatus().getMessage()).isEqualTo("slow: still not there after 200 ms");
        // "… reported with DEADLINE_EXCEEDED (and keep starting)".
        assertThat(process("slow").getState()).isEqualTo(ProcessState.PROCESS_STATE_STARTING);
    }

    // StopProcesses: "Processes not running are left alone (changed = false); BACKOFF and
    // SCHEDULED processes become STOPPED; PAUSED processes are resumed first so they can exit."
    // "Per process: DEADLINE_EXCEEDED (wait timed out)."
    @Test
    void stopLeavesStoppedOnesAloneStopsPausedOnesAndSaysWhenItTimesOut() {
        ProcessResult idle = daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("idle").build())
                .getResults(0);
        assertThat(code(idle)).isEqualTo(Code.OK);
        assertThat(idle.getChanged()).isFalse();

        daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        ProcessResult paused = daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true)
                .setTimeout(millis(1500)).build()).getResults(0);
        assertThat(code(paused)).as(paused.getStatus().getMessage()).isEqualTo(Code.OK);
        assertThat(paused.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
        assertThat(paused.getProcess().getLastExit().getKilled().getSignalName()).as("it exited on TERM, not on the later KILL")
                .isEqualTo("TERM");

        ProcessResult stubborn = daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("stubborn")
                .setWait(true).setTimeout(millis(300)).build()).getResults(0);
        assertThat(code(stubborn)).isEqualTo(Code.DEADLINE_EXCEEDED);
        assertThat(stubborn.getStatus().getMessage()).isEqualTo("stubborn: still not there after 300 ms");
        assertThat(stubborn.getChanged()).isTrue();
        assertThat(process("stubborn").getState()).as("… (and keep stopping)").isEqualTo(ProcessState.PROCESS_STATE_STOPPING);
    }

    // StopProcesses: "BACKOFF … processes become STOPPED"
    @Test
    void aProcessInBackoffIsStoppedAtOnce() throws Exception {
        daemon.stub().addProgram(dev.taskmaster.proto.v1.AddProgramRequest.newBuilder().setYaml("""
                flaky:
                  cmd: /nonexistent/taskmaster-test-binary
                  startretries: -1
                  backoff: {initial: 30}
                """).build());
        daemon.await("flaky", dev.taskmaster.server.engine.ProcessState.BACKOFF);
        ProcessResult r = daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("flaky").setWait(true)
                .build()).getResults(0);
        assertThat(code(r)).isEqualTo(Code.OK);
        assertThat(r.getChanged()).isTrue();
        assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
    }

    // RestartProcesses: "If true, answer once each process is RUNNING again (or has failed for
    // good). False = answer once the stops are initiated; starts follow."
    @Test
    void restartWithoutWaitAnswersOnceTheStopsBegunAndWithWaitOnceRunningAgain() throws Exception {
        int before = process("stubborn").getPid();
        long started = System.nanoTime();
        ProcessResult r = daemon.stub().restartProcesses(RestartProcessesRequest.newBuilder().addTargets("stubborn").build())
                .getResults(0);
        // stubborn ignores TERM for its stoptime (5 s): an answer after the stop would take 5 s.
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(4));
        assertThat(code(r)).isEqualTo(Code.OK);
        assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPING);
        LiveDaemon.until("stubborn to run again", 20_000, () -> {
            ProcessInfo p = process("stubborn");
            return p.getState() == ProcessState.PROCESS_STATE_RUNNING && p.getPid() != before;
        });
        int db = process("db").getPid();
        ProcessResult waited = daemon.stub().restartProcesses(RestartProcessesRequest.newBuilder().addTargets("db")
                .setWait(true).build()).getResults(0);
        assertThat(code(waited)).isEqualTo(Code.OK);
        assertThat(waited.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(waited.getProcess().getPid()).isNotEqualTo(db);
    }

    // SignalProcesses: "a name with or without "SIG", any case ("TERM", "SIGHUP", "usr1"), or a
    // number ("9")." "Codes: INVALID_ARGUMENT (unknown signal name or number, malformed target),
    // NOT_FOUND. Per process: FAILED_PRECONDITION (not running)."
    @Test
    void signalsAreNamesOrAsciiNumbersAndNothingElse() {
        for (String ok : List.of("CONT", "SIGCONT", "cont", "sigcont", "18")) {
            ProcessResult r = daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("db").setSignal(ok)
                    .build()).getResults(0);
            assertThat(code(r)).as(ok).isEqualTo(Code.OK);
            assertThat(r.getStatus().getMessage()).isEqualTo("sent SIGCONT");
        }
        // Issue 12: "9 ", fullwidth and Arabic-Indic digits were taken as 9.
        for (String bad : List.of("9 ", " 9", "\uFF19", "\u0669", "SIGFOO", "", "0", "65", "\u017FIGKILL")) {
            Status s = status(() -> daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("db")
                    .setSignal(bad).build()));
            assertThat(s.getCode()).as("%s", bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).isEqualTo("unknown signal " + Targets.quote(bad) + "; expected a name such as"
                    + " TERM, HUP, USR1, KILL (with or without SIG) or a number from 1 to 64");
        }
        assertThat(process("db").getState()).as("no signal was sent by a refused call").isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        ProcessResult idle = daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("idle")
                .setSignal("HUP").build()).getResults(0);
        assertThat(code(idle)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(idle.getStatus().getMessage()).isEqualTo("idle: not running (STOPPED)");
        Status malformed = status(() -> daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("d b")
                .setSignal("HUP").build()));
        assertThat(malformed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    // PauseProcesses: "If true, answer once each process is observed stopped by the kernel."
    // "Already PAUSED processes are left alone." "Per process: FAILED_PRECONDITION (not RUNNING)."
    // ResumeProcesses: "If true, answer once each process is observed running again."
    // "Already RUNNING processes are left alone." "Per process: FAILED_PRECONDITION (not PAUSED
    // or RUNNING)."
    @Test
    void pauseAndResumeWaitForTheKernelAndRefuseWhatIsNotRunning() {
        ProcessResult p = daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("db").setWait(true)
                .setTimeout(millis(5000)).build()).getResults(0);
        assertThat(code(p)).isEqualTo(Code.OK);
        assertThat(p.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_PAUSED);
        assertThat(KernelStates.state(p.getProcess().getPid())).as("the kernel shows it stopped").isIn('T', 't');
        ProcessResult again = daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("db").build())
                .getResults(0);
        assertThat(code(again)).isEqualTo(Code.OK);
        assertThat(again.getChanged()).isFalse();

        ProcessResult r = daemon.stub().resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("db").setWait(true)
                .setTimeout(millis(5000)).build()).getResults(0);
        assertThat(code(r)).isEqualTo(Code.OK);
        assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(KernelStates.state(r.getProcess().getPid())).as("the kernel shows it running").isNotIn('T', 't');
        ProcessResult running = daemon.stub().resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("db").build())
                .getResults(0);
        assertThat(code(running)).isEqualTo(Code.OK);
        assertThat(running.getChanged()).isFalse();

        ProcessResult notRunning = daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("idle").build())
                .getResults(0);
        assertThat(code(notRunning)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(notRunning.getStatus().getMessage()).isEqualTo("idle: not running (STOPPED)");
        ProcessResult notPaused = daemon.stub().resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("idle").build())
                .getResults(0);
        assertThat(code(notPaused)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(notPaused.getStatus().getMessage()).isEqualTo("idle: not paused (STOPPED)");
    }

    // AdoptProcess is implemented (issue 13; its contract is checked in AdoptConformanceTest):
    // "INVALID_ARGUMENT (… pid is the daemon itself or one of its ancestors)" — pid 1 is one.
    @Test
    void adoptIsImplementedAndRefusesPidOne() {
        Status s = status(() -> daemon.stub().adoptProcess(AdoptProcessRequest.newBuilder().setPid(1).setName("db").build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).startsWith("pid 1 is an ancestor of taskmasterd");
    }
}
