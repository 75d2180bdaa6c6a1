package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.taskmaster.config.CronExpression;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import dev.taskmaster.server.engine.schedule.CronTimes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start_delay and cron through the API, against a live engine: ProcessInfo, AddProgram, GetProgram, UpdateProgram. */
class ScheduleApiTest {

    @TempDir
    Path dir;

    private static ProcessInfo process(LiveDaemon d, String name) {
        return d.stub().listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList().stream()
                .filter(p -> p.getFullName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aDelayedStartShowsItsTimeAndStartStartsItNow() throws Exception {
        Instant before = Instant.now();
        try (LiveDaemon d = new LiveDaemon(dir, "programs:\n  late: {cmd: sleep 600, start_delay: 10m}\n")) {
            Instant after = Instant.now();
            ProcessInfo p = process(d, "late");
            assertThat(p.getState()).isEqualTo(ProcessState.PROCESS_STATE_SCHEDULED);
            Instant next = Instant.ofEpochMilli(Timestamps.toMillis(p.getNextStartTime()));
            assertThat(next).isBetween(before.plus(Duration.ofMinutes(10)), after.plus(Duration.ofMinutes(10)));
            assertThat(p.getDescription()).matches("start_delay 600 s; starts in 0:(10:00|09:[0-5][0-9])");
            assertThat(p.getPid()).isZero();

            d.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("late").setWait(true).build());
            ProcessInfo started = process(d, "late");
            assertThat(started.getState()).isIn(ProcessState.PROCESS_STATE_STARTING, ProcessState.PROCESS_STATE_RUNNING);
            assertThat(started.hasNextStartTime()).isFalse();
            assertThat(started.getPid()).isPositive();
        }
    }

    @Test
    void aCronProgramIsAddedScheduledForItsNextTimeAndReadBackUnchanged() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, "programs:\n  file: {cmd: sleep 600, start_delay: 90s}\n")) {
            ProgramSpec file = d.stub().getProgram(GetProgramRequest.newBuilder().setName("file").build()).getProgram();
            assertThat(Durations.toSeconds(file.getStartDelay())).isEqualTo(90);
            assertThat(file.getCron()).isEmpty();

            // Yearly: a time far enough that it cannot fall due during the test.
            CronExpression cron = CronExpression.parse("7 3 1 1 *");
            Instant expected = CronTimes.next(cron, Instant.now(), ZoneId.systemDefault()).orElseThrow();
            AddProgramResponse added = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("job").setCmd("sleep 600").setCron("7 3 1 1 *")).build());
            assertThat(added.getErrorsList()).isEmpty();
            assertThat(added.getApplied()).isTrue();
            assertThat(added.getProgram().getCron()).isEqualTo("7 3 1 1 *");
            assertThat(added.getProgram().hasStartDelay()).isFalse();
            ProcessInfo job = process(d, "job");
            assertThat(job.getState()).isEqualTo(ProcessState.PROCESS_STATE_SCHEDULED);
            assertThat(Instant.ofEpochMilli(Timestamps.toMillis(job.getNextStartTime()))).isEqualTo(expected);
            assertThat(job.getDescription()).startsWith("cron \"7 3 1 1 *\"; starts in ");

            for (String name : new String[] {"file", "job"}) {
                ProgramSpec spec = d.stub().getProgram(GetProgramRequest.newBuilder().setName(name).build()).getProgram();
                UpdateProgramResponse r = d.stub().updateProgram(UpdateProgramRequest.newBuilder().setSpec(spec).build());
                assertThat(r.getErrorsList()).as(name).isEmpty();
                assertThat(r.getDiff().getUnchangedProgramsList()).as(name).contains(name);
                assertThat(r.getProgram()).isEqualTo(spec);
            }
        }
    }

    @Test
    void aBadScheduleIsAProblemOfItsKey() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, "programs: {}\n")) {
            AddProgramResponse hour = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("b").setCmd("sleep 600").setCron("0 24 * * *")).build());
            assertThat(hour.getApplied()).isFalse();
            assertThat(hour.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("programs.b.cron", "the hour field: expected an hour from 0 to 23, found \"24\""));
            AddProgramResponse both = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("c").setCmd("sleep 600").setCron("@daily").setStartDelay(Durations.fromSeconds(5))).build());
            assertThat(both.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.c.start_delay");
            AddProgramResponse negative = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("n").setCmd("sleep 600").setStartDelay(Durations.fromSeconds(-5))).build());
            assertThat(negative.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.n.start_delay");
        }
    }
}
