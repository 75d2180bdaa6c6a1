package dev.taskmaster.server.api;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ExitedWithCode;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.LogFullPolicy;
import dev.taskmaster.proto.v1.LogWriting;
import dev.taskmaster.proto.v1.LogWritingResumed;
import dev.taskmaster.proto.v1.LogWritingStopped;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProgramChange;
import dev.taskmaster.proto.v1.SpawnFailure;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessSnapshot;
import java.nio.file.Path;
import java.time.Instant;

/** Engine records as protobuf messages of the v1 contract. Stateless. */
final class Protos {

    private Protos() {
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static Duration duration(java.time.Duration d) {
        return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    static java.time.Duration duration(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    static ProcessState state(dev.taskmaster.server.engine.ProcessState s) {
        return STATES[s.ordinal()];
    }

    /** The contract's state of each engine state, by ordinal: looked up once per process of every ListProcesses. */
    private static final ProcessState[] STATES = java.util.Arrays.stream(dev.taskmaster.server.engine.ProcessState.values())
            .map(s -> ProcessState.valueOf("PROCESS_STATE_" + s.name())).toArray(ProcessState[]::new);

    static ProcessInfo process(ProcessSnapshot s, Instant now, Path logdir) {
        return builder(s, now, logdir).build();
    }

    /**
     * As {@link #process(ProcessSnapshot, Instant, Path)}, with the process's CPU and memory when
     * it runs (none when {@code usage} is null), and the counters of its log writing.
     */
    static ProcessInfo process(ProcessSnapshot s, Instant now, Path logdir, UsageSampler usage,
            dev.taskmaster.server.output.Outputs outputs) {
        ProcessInfo.Builder b = builder(s, now, logdir);
        if (s.pid() > 0 && usage != null) {
            usage.sample(s.pid(), s.startTime().orElse(now), now).ifPresent(b::setUsage);
        }
        // A process that never spawned has no output yet: nothing stopped, nothing lost.
        b.setLogWriting(outputs.find(s.name()).map(Protos::logWriting).orElseGet(() -> NOTHING_WRITTEN));
        return b.build();
    }

    private static ProcessInfo.Builder builder(ProcessSnapshot s, Instant now, Path logdir) {
        ProcessInfo.Builder b = ProcessInfo.newBuilder()
                .setFullName(s.name())
                .setName(s.name())
                .setProgram(s.spec().program().name())
                .setGroup(s.spec().program().group())
                .setInstanceIndex(s.spec().index())
                .setState(state(s.state()))
                .setStateChangeTime(timestamp(s.stateSince()))
                .setDescription(describe(s, now))
                .setPid(s.pid())
                .setRestartCount(s.restartCount())
                .setStartFailures(s.startFailures())
                .setLeftoverProcesses(s.leftovers())
                .setAdopted(s.adopted());
        s.startTime().ifPresent(t -> b.setStartTime(timestamp(t)));
        if (s.pid() > 0 && s.startTime().isPresent()) {
            b.setUptime(duration(java.time.Duration.between(s.startTime().get(), now)));
        }
        s.lastExit().ifPresent(e -> b.setLastExit(exit(e)));
        s.spawnError().ifPresent(b::setSpawnError);
        s.nextStart().ifPresent(t -> b.setNextStartTime(timestamp(t)));
        s.health().ifPresent(h -> b.setHealth(HealthProtos.info(h)));
        s.dependencies().forEach(d -> b.addDependencies(dev.taskmaster.proto.v1.DependencyStatus.newBuilder()
                .setProgram(d.program()).setCondition(DependencyProtos.condition(d.condition())).setSatisfied(d.satisfied())));
        if (s.adopted()) {
            return b; // its output is not captured: no log file is written for an adopted run
        }
        logPath(s.spec().program().stdout(), logdir, s.name(), "stdout").ifPresent(b::setStdoutLogPath);
        if (!s.spec().program().redirectStderr() && !s.spec().program().tty()) {
            logPath(s.spec().program().stderr(), logdir, s.name(), "stderr").ifPresent(b::setStderrLogPath);
        }
        return b;
    }

    private static java.util.Optional<String> logPath(OutputSpec spec, Path logdir, String name, String stream) {
        return dev.taskmaster.server.output.Outputs.logFile(spec, logdir, name, stream).map(Path::toString);
    }

    /** A stop or resumption of a process's log writing, into the event {@code b}. */
    static void logWriting(dev.taskmaster.proto.v1.Event.Builder b, dev.taskmaster.server.engine.EngineEvent.LogWriting w) {
        OutputStream stream = w.stream().equals("stderr") ? OutputStream.OUTPUT_STREAM_STDERR : OutputStream.OUTPUT_STREAM_STDOUT;
        switch (w) {
            case dev.taskmaster.server.engine.EngineEvent.LogWritingStopped s -> b.setLogWritingStopped(LogWritingStopped.newBuilder()
                    .setProcessName(s.process()).setStream(stream).setPath(s.file().toString()).setReason(s.reason())
                    .setPolicy(policy(s.policy())));
            case dev.taskmaster.server.engine.EngineEvent.LogWritingResumed r -> b.setLogWritingResumed(LogWritingResumed.newBuilder()
                    .setProcessName(r.process()).setStream(stream).setPath(r.file().toString()).setReason(r.reason())
                    .setPolicy(policy(r.policy())).setStoppedFor(duration(r.stoppedFor())).setBytesLost(r.bytesLost())
                    .setLinesLost(r.linesLost()));
        }
    }

    static LogFullPolicy policy(dev.taskmaster.config.LogFullPolicy p) {
        return LogFullPolicy.valueOf("LOG_FULL_POLICY_" + p.name());
    }

    /** The counters of an instance's log writing under a full disk. */
    private static final LogWriting NOTHING_WRITTEN = LogWriting.newBuilder().setTimeBlocked(Duration.getDefaultInstance()).build();

    static LogWriting logWriting(dev.taskmaster.server.output.ProcessOutput o) {
        LogWriting.Builder b = LogWriting.newBuilder().setStalls(o.logStalls()).setBytesDropped(o.bytesDropped())
                .setLinesDropped(o.linesDropped()).setTimeBlocked(duration(o.timeBlocked()));
        o.logWritingStopped().ifPresent(reason -> b.setStopped(true).setReason(reason));
        return b.build();
    }

    static ExitInfo exit(ExitRecord e) {
        ExitInfo.Builder b = ExitInfo.newBuilder().setExpected(e.expected()).setPid(e.pid()).setTime(timestamp(e.time()));
        switch (e.outcome()) {
            case ExitOutcome.Exited x -> b.setExited(ExitedWithCode.newBuilder().setCode(x.code()));
            case ExitOutcome.Killed k -> b.setKilled(KilledBySignal.newBuilder().setSignalNumber(k.signal().number())
                    .setSignalName(Character.isDigit(k.signal().name().charAt(0)) ? "" : k.signal().name())
                    .setCoreDumped(k.coreDumped()));
            case ExitOutcome.SpawnFailed f -> b.setSpawnFailed(SpawnFailure.newBuilder().setReason(f.reason())
                    .setErrnoName(errnoName(f.reason())));
            case ExitOutcome.Unknown u -> b.setUnknown(dev.taskmaster.proto.v1.ExitStatusUnknown.getDefaultInstance());
        }
        if (!(e.outcome() instanceof ExitOutcome.SpawnFailed)) {
            b.setRunTime(duration(e.runTime()));
        }
        return b.build();
    }

    /** The symbolic errno a spawn reason ends with, e.g. {@code (ENOENT)}; empty if none. */
    private static String errnoName(String reason) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((E[A-Z0-9]+)\\)").matcher(reason);
        return m.find() ? m.group(1) : "";
    }

    /** One line like supervisorctl's: {@code pid 123, uptime 0:01:02}. */
    static String describe(ProcessSnapshot s, Instant now) {
        return state(s, now) + (s.adopted() && s.state().hasProcess() ? ", adopted (output not captured)" : "")
                + leftovers(s.leftovers());
    }

    /**
     * The mark of a process whose ended processes left some running (killmode process); the
     * count is also ProcessInfo.leftover_processes.
     */
    static String leftovers(int count) {
        return count == 0 ? "" : "; " + count + " leftover process" + (count == 1 ? "" : "es") + " (killmode process)";
    }

    private static String state(ProcessSnapshot s, Instant now) {
        return switch (s.state()) {
            case RUNNING, STARTING, STOPPING, PAUSED -> s.startTime()
                    .map(t -> "pid " + s.pid() + ", uptime " + clock(java.time.Duration.between(t, now)))
                    .orElse("pid " + s.pid());
            case BACKOFF -> s.lastExit().map(ExitRecord::describe).orElse("starting failed")
                    + s.nextStart().map(t -> "; retry in " + clock(java.time.Duration.between(now, t).isNegative()
                            ? java.time.Duration.ZERO : java.time.Duration.between(now, t))).orElse("");
            // Given up on restarts of a process that did start: the reason, then how its last run ended.
            case FATAL -> s.gaveUp().filter(r -> r.contains("max_restarts"))
                    .map(r -> r + s.lastExit().map(e -> "; the last run " + e.describe()).orElse(""))
                    .or(() -> s.spawnError().map(e -> "could not start: " + e))
                    .or(() -> s.lastExit().map(e -> "exited too quickly: " + e.describe()))
                    .orElse("gave up starting");
            case EXITED -> s.lastExit().map(e -> e.describe() + ", " + ago(e.time(), now)).orElse("exited");
            case STOPPED -> s.lastExit().map(e -> "stopped " + ago(e.time(), now)).orElse("not started");
            case UNKNOWN -> "state unknown";
            case SCHEDULED -> s.waitingFor().orElse("scheduled")
                    + s.nextStart().map(t -> "; starts in " + clock(java.time.Duration.between(now, t).isNegative()
                            ? java.time.Duration.ZERO : java.time.Duration.between(now, t))).orElse("");
        };
    }

    private static String ago(Instant then, Instant now) {
        return clock(java.time.Duration.between(then, now)) + " ago";
    }

    static String clock(java.time.Duration d) {
        // H:MM:SS by hand: String.format parses its pattern on every call, once per running
        // process of every ListProcesses.
        long s = Math.max(0, d.toSeconds());
        StringBuilder b = new StringBuilder(12).append(s / 3600).append(':');
        twoDigits(b, s / 60 % 60).append(':');
        return twoDigits(b, s % 60).toString();
    }

    private static StringBuilder twoDigits(StringBuilder b, long n) {
        return (n < 10 ? b.append('0') : b).append(n);
    }

    static dev.taskmaster.proto.v1.ConfigError error(ConfigError e) {
        return dev.taskmaster.proto.v1.ConfigError.newBuilder().setFile(e.file().toString()).setLine(e.line())
                .setColumn(e.column()).setKeyPath(e.keyPath()).setMessage(e.message()).build();
    }

    static dev.taskmaster.proto.v1.ConfigDiff diff(ConfigDiff d) {
        dev.taskmaster.proto.v1.ConfigDiff.Builder b = dev.taskmaster.proto.v1.ConfigDiff.newBuilder()
                .addAllAddedPrograms(d.programNames(ConfigDiff.Kind.ADDED))
                .addAllRemovedPrograms(d.programNames(ConfigDiff.Kind.REMOVED))
                .addAllUnchangedPrograms(d.programNames(ConfigDiff.Kind.UNCHANGED))
                .addAllAddedProcesses(d.instanceNames(ConfigDiff.Kind.ADDED))
                .addAllChangedProcesses(d.instanceNames(ConfigDiff.Kind.CHANGED))
                .addAllUpdatedProcesses(d.instanceNames(ConfigDiff.Kind.UPDATED))
                .addAllRemovedProcesses(d.instanceNames(ConfigDiff.Kind.REMOVED))
                .addAllUnchangedProcesses(d.instanceNames(ConfigDiff.Kind.UNCHANGED))
                .setServerChanged(d.serverChanged());
        for (ConfigDiff.ProgramChange c : d.programs()) {
            ProgramChange change = ProgramChange.newBuilder().setProgram(c.name()).addAllChangedKeys(c.changedKeys()).build();
            if (c.kind() == ConfigDiff.Kind.CHANGED) {
                b.addChangedPrograms(change);
            } else if (c.kind() == ConfigDiff.Kind.UPDATED) {
                b.addUpdatedPrograms(change);
            }
        }
        return b.build();
    }

}
