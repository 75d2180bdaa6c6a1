package dev.taskmaster.server.os;

import static dev.taskmaster.server.os.Children.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SignalsTest {

    @Test
    void killProcessGroupReachesGrandchildren() throws Exception {
        int pid = PosixSpawn.spawn(Children.sh("/bin/sleep 30 & /bin/sleep 30 & wait"));
        int pidfd = PidFd.open(pid);
        String group = Integer.toString(pid);
        Children.await("shell and two sleeps in group " + pid,
                () -> live(group).size() == 3);
        Set<Long> members = live(group);

        Signals.killProcessGroup(pid, Signals.SIGTERM);

        assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Killed(Signals.SIGTERM, false));
        Fds.close(pidfd);
        // The sleeps were reparented; whoever reaps them, they must be dead (or zombies).
        Children.await("group " + pid + " gone", () -> members.stream()
                .allMatch(p -> Children.stat(p).map(s -> s[0].equals("Z") || !s[2].equals(group)).orElse(true)));
    }

    private static Set<Long> live(String group) {
        return Children.processes(s -> s[2].equals(group) && !s[0].equals("Z"));
    }

    @Test
    void esrchIsDistinguishable() throws Exception {
        int pid = PosixSpawn.spawn(request("/bin/true", "true"));
        int pidfd = PidFd.open(pid);
        Children.awaitExit(pidfd);
        Fds.close(pidfd);
        // Reaped a moment ago; pids are not reused that fast.
        assertThatThrownBy(() -> Signals.kill(pid, 0))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ESRCH);
                    assertThat(e.call()).isEqualTo("kill");
                });
        assertThatThrownBy(() -> Signals.killProcessGroup(pid, 0))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ESRCH);
                    assertThat(e.call()).isEqualTo("killpg");
                });
    }

    @Test
    void signalZeroProbesALiveProcess() throws Exception {
        Signals.kill(Posix.getpid(), 0);
        assertThatThrownBy(() -> Signals.kill(0, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signals.kill(-1, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signals.killProcessGroup(0, 9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stopAndContinueDoNotEndTheChild() throws Exception {
        int pid = PosixSpawn.spawn(request("/bin/sleep", "sleep", "30"));
        int pidfd = PidFd.open(pid);
        try {
            Signals.kill(pid, Signals.SIGSTOP);
            Children.await("stopped", () -> Children.stat(pid).map(s -> s[0].equals("T")).orElse(false));
            assertThat(PidFd.tryWait(pidfd)).as("WEXITED only: a stop is not an exit").isEmpty();
            Signals.kill(pid, Signals.SIGCONT);
            Children.await("running again", () -> Children.stat(pid).map(s -> !s[0].equals("T")).orElse(false));
            assertThat(PidFd.tryWait(pidfd)).isEmpty();
        } finally {
            PidFd.sendSignal(pidfd, Signals.SIGKILL);
            assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Killed(9, false));
            Fds.close(pidfd);
        }
    }
}
