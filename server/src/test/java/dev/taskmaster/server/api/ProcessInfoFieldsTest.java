package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.server.engine.ProcessState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fields of ProcessInfo that its comments promise in every state, in process against real children. */
class ProcessInfoFieldsTest {

    @TempDir
    Path tmp;

    /**
     * ProcessInfo.log_writing: "Set in ListProcesses and GetProcess answers" — also for a process
     * that never ran and so has no output yet; and ResourceUsage.sample_time: "When this sample
     * was taken."
     */
    @Test
    void logWritingIsSetForAProcessThatNeverRanAndUsageSaysWhenItWasSampled() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  web: {cmd: sleep 600, starttime: 0, stopsignal: KILL}
                  idle: {cmd: sleep 600, autostart: false}
                """)) {
            d.await("web", ProcessState.RUNNING);
            Instant before = Instant.now();
            ProcessInfo idle = d.stub().getProcess(GetProcessRequest.newBuilder().setName("idle").build()).getProcess();
            assertThat(idle.hasLogWriting()).isTrue();
            assertThat(idle.getLogWriting().getStopped()).isFalse();
            assertThat(idle.getLogWriting().getStalls()).isZero();
            assertThat(idle.getLogWriting().hasTimeBlocked()).isTrue();

            for (ProcessInfo p : d.stub().listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList()) {
                assertThat(p.hasLogWriting()).as(p.getFullName()).isTrue();
            }
            ProcessInfo web = d.stub().getProcess(GetProcessRequest.newBuilder().setName("web").build()).getProcess();
            assertThat(web.hasUsage()).isTrue();
            assertThat(web.getUsage().getSampleTime().getSeconds()).isBetween(before.getEpochSecond(), Instant.now().getEpochSecond());
        }
    }

    @Test
    void aListThatOmitsUsageHasNoneAndTheDefaultListHasItForRunningProcesses() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  web: {cmd: sleep 600, starttime: 0, stopsignal: KILL, numprocs: 3}
                """)) {
            for (int i = 0; i < 3; i++) {
                d.await("web:" + i, ProcessState.RUNNING);
            }
            List<ProcessInfo> bare = d.stub().listProcesses(ListProcessesRequest.newBuilder().setOmitUsage(true).build())
                    .getProcessesList();
            assertThat(bare).hasSize(3).allSatisfy(p -> {
                assertThat(p.hasUsage()).as(p.getFullName()).isFalse();
                assertThat(p.getPid()).isPositive();
            });
            assertThat(d.stub().listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList())
                    .hasSize(3).allSatisfy(p -> assertThat(p.getUsage().getRssBytes()).as(p.getFullName()).isPositive());
        }
    }
}
