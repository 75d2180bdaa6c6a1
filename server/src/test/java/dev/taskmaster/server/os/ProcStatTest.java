package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /proc/PID/stat as Descendants reads it, and the child subreaper switch. */
class ProcStatTest {

    @Test
    void aCommandNameWithParenthesesAndSpacesIsSkippedWhole() {
        // comm may hold ") " itself: the fields start after the LAST ')'.
        ProcStat s = ProcStat.parse(42, "42 (a) (b c) Z 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0");
        assertThat(s).isEqualTo(new ProcStat(42, 'Z', 7, 42, 42, 123456L));
        assertThat(s.isZombie()).isTrue();
    }

    @Test
    void thisProcessReadsAsItself() {
        int self = Posix.getpid();
        ProcStat s = ProcStat.of(self).orElseThrow();
        assertThat(s.pid()).isEqualTo(self);
        assertThat(s.ppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(s.isZombie()).isFalse();
        assertThat(ProcStat.all()).contains(ProcStat.of(self).orElseThrow());
        assertThat(ProcStat.of(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void theEnvironmentIsReadByName() {
        assertThat(ProcStat.environment(Posix.getpid(), "PATH")).contains(System.getenv("PATH"));
        assertThat(ProcStat.environment(Posix.getpid(), "NO_SUCH_VARIABLE_HERE")).isEmpty();
    }

    @Test
    void theSubreaperSwitchGoesOnAndOff() throws NativeException {
        boolean before = Posix.isChildSubreaper();
        try {
            Posix.setChildSubreaper(true);
            assertThat(Posix.isChildSubreaper()).isTrue();
            Posix.setChildSubreaper(false);
            assertThat(Posix.isChildSubreaper()).isFalse();
        } finally {
            Posix.setChildSubreaper(before);
        }
    }
}
