package dev.taskmaster.tui;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.LogFullPolicy;
import dev.taskmaster.proto.v1.LogWritingResumed;
import dev.taskmaster.proto.v1.LogWritingStopped;
import org.junit.jupiter.api.Test;

class EventTextTest {

    @Test
    void aLogThatCannotBeWrittenIsAnErrorAndItsEndSaysWhatWasLost() {
        EventText.Text stopped = EventText.of(Event.newBuilder().setLogWritingStopped(LogWritingStopped.newBuilder()
                .setProcessName("web:0").setReason("no space left on device (ENOSPC)")
                .setPolicy(LogFullPolicy.LOG_FULL_POLICY_BLOCK)).build());
        assertThat(stopped.text()).isEqualTo("web:0 log cannot be written (no space left on device (ENOSPC)): program held back");
        assertThat(stopped.severity()).isEqualTo(Ticker.Severity.ERROR);

        EventText.Text held = EventText.of(Event.newBuilder().setLogWritingResumed(LogWritingResumed.newBuilder()
                .setProcessName("web:0").setStoppedFor(Duration.newBuilder().setSeconds(2).setNanos(500_000_000))
                .setPolicy(LogFullPolicy.LOG_FULL_POLICY_BLOCK)).build());
        assertThat(held.text()).isEqualTo("web:0 log written again after 2.5s: nothing lost");
        assertThat(held.severity()).isEqualTo(Ticker.Severity.INFO);

        EventText.Text dropped = EventText.of(Event.newBuilder().setLogWritingResumed(LogWritingResumed.newBuilder()
                .setProcessName("web:0").setStoppedFor(Duration.newBuilder().setSeconds(4)).setLinesLost(12).setBytesLost(345)
                .setPolicy(LogFullPolicy.LOG_FULL_POLICY_DROP)).build());
        assertThat(dropped.text()).isEqualTo("web:0 log written again after 4s: 12 lines (345 bytes) lost");
        assertThat(dropped.severity()).isEqualTo(Ticker.Severity.WARN);
    }
}
