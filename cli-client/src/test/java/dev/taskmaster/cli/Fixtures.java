package dev.taskmaster.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.rpc.Status;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ExitedWithCode;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProcessState;

/** Canned processes as the daemon describes them. */
final class Fixtures {

    static final Timestamp T0 = Timestamp.newBuilder().setSeconds(1_795_000_000L).build(); // 2026-11-18 11:06:40 UTC

    private Fixtures() {}

    static ProcessInfo running(String name, int pid, long uptimeSeconds) {
        return ProcessInfo.newBuilder().setFullName(name).setName(name).setProgram(name.split(":")[0]).setGroup(name.split(":")[0])
                .setState(ProcessState.PROCESS_STATE_RUNNING).setPid(pid)
                .setUptime(Duration.newBuilder().setSeconds(uptimeSeconds))
                .setDescription("pid " + pid + ", uptime " + ProcessText.hms(Duration.newBuilder().setSeconds(uptimeSeconds).build()))
                .setStartTime(T0).build();
    }

    static ProcessInfo fatal(String name, String spawnError, int restarts) {
        return ProcessInfo.newBuilder().setFullName(name).setName(name).setProgram(name.split(":")[0]).setGroup(name.split(":")[0])
                .setState(ProcessState.PROCESS_STATE_FATAL).setRestartCount(restarts).setSpawnError(spawnError)
                .setDescription("Exited too quickly (process log may have details)").build();
    }

    static ProcessInfo exited(String name, int code, boolean expected) {
        return ProcessInfo.newBuilder().setFullName(name).setName(name).setProgram(name).setGroup(name)
                .setState(ProcessState.PROCESS_STATE_EXITED).setRestartCount(1)
                .setLastExit(ExitInfo.newBuilder().setExited(ExitedWithCode.newBuilder().setCode(code)).setExpected(expected).setPid(99))
                .build();
    }

    static ProcessResult ok(ProcessInfo p, boolean changed) {
        return ProcessResult.newBuilder().setFullName(p.getFullName()).setStatus(Status.newBuilder().setCode(0)).setChanged(changed)
                .setProcess(p).build();
    }

    static ProcessResult failed(ProcessInfo p, io.grpc.Status.Code code, String message) {
        return ProcessResult.newBuilder().setFullName(p.getFullName())
                .setStatus(Status.newBuilder().setCode(code.value()).setMessage(message)).setProcess(p).build();
    }
}
