package dev.taskmaster.tui;

import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.EventsMissed;
import dev.taskmaster.proto.v1.EventsMissedReason;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ExitedWithCode;
import dev.taskmaster.proto.v1.Heartbeat;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProcessStateChanged;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Canned processes and stream messages, as the daemon sends them. */
final class P {

    static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private P() {}

    static Timestamp ts(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
    }

    static ProcessInfo.Builder proc(String fullName, String group, ProcessState state) {
        String program = fullName.contains(":") ? fullName.substring(0, fullName.indexOf(':')) : fullName;
        return ProcessInfo.newBuilder().setFullName(fullName).setName(fullName).setProgram(program).setGroup(group)
                .setState(state).setDescription(state.name());
    }

    static ProcessInfo running(String fullName, String group, int pid, long upSeconds) {
        return proc(fullName, group, ProcessState.PROCESS_STATE_RUNNING).setPid(pid).setStartTime(ts(NOW.minusSeconds(upSeconds))).build();
    }

    static ProcessInfo running(String fullName, int pid) {
        return running(fullName, fullName.contains(":") ? fullName.substring(0, fullName.indexOf(':')) : fullName, pid, 62);
    }

    static ProcessInfo fatal(String fullName) {
        return proc(fullName, fullName, ProcessState.PROCESS_STATE_FATAL).setRestartCount(3)
                .setLastExit(ExitInfo.newBuilder().setExited(ExitedWithCode.newBuilder().setCode(1)).setExpected(false).setPid(7))
                .build();
    }

    static ProcessInfo stopped(String fullName) {
        return proc(fullName, fullName, ProcessState.PROCESS_STATE_STOPPED).build();
    }

    static ExitInfo killed(String signal, int number, int pid) {
        return ExitInfo.newBuilder().setKilled(KilledBySignal.newBuilder().setSignalName(signal).setSignalNumber(number))
                .setExpected(false).setPid(pid).setTime(ts(NOW)).build();
    }

    static WatchEventsResponse snapshot(String journal, long seq, ProcessInfo... ps) {
        return WatchEventsResponse.newBuilder().setSnapshot(Snapshot.newBuilder().setJournalId(journal).setSequence(seq)
                .setTime(ts(NOW)).addAllProcesses(List.of(ps))).build();
    }

    static WatchEventsResponse changed(long seq, ProcessState from, ProcessInfo to, ExitInfo exit, String reason) {
        ProcessStateChanged.Builder c = ProcessStateChanged.newBuilder().setFromState(from).setToState(to.getState())
                .setReason(reason).setProcess(to);
        if (exit != null) {
            c.setExit(exit);
        }
        return WatchEventsResponse.newBuilder().setEvent(Event.newBuilder().setSequence(seq).setTime(ts(NOW))
                .setProcessStateChanged(c)).build();
    }

    static WatchEventsResponse missed(String journal, long requested) {
        return WatchEventsResponse.newBuilder().setEventsMissed(EventsMissed.newBuilder().setJournalId(journal)
                .setReason(EventsMissedReason.EVENTS_MISSED_REASON_DAEMON_RESTARTED).setRequestedSequence(requested)).build();
    }

    static WatchEventsResponse heartbeat(long latest) {
        return WatchEventsResponse.newBuilder().setHeartbeat(Heartbeat.newBuilder().setLatestSequence(latest)).build();
    }

    /** A model of one daemon "default" fed {@code messages}. */
    static ScreenModel model(WatchEventsResponse... messages) {
        ScreenModel m = new ScreenModel(CLOCK, List.of("default"));
        for (WatchEventsResponse r : messages) {
            m.apply("default", r);
        }
        return m;
    }

    /** The names shown by the table's lines: process full names, and "+group"/"-group" for headers. */
    static List<String> names(List<Line> lines) {
        return lines.stream().map(l -> switch (l) {
            case Line.Group g -> (g.collapsed() ? "+" : "-") + g.group();
            case Line.Process p -> p.row().key.fullName();
        }).toList();
    }
}
