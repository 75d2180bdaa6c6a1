package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PosixTest {

    @Test
    void idsMatchProc() throws Exception {
        assertThat((long) Posix.getpid()).isEqualTo(ProcessHandle.current().pid());
        String status = Files.readString(Path.of("/proc/self/status"));
        String[] uids = field(status, "Uid");
        String[] gids = field(status, "Gid");
        assertThat(Posix.getuid()).isEqualTo(Integer.parseInt(uids[0]));
        assertThat(Posix.geteuid()).isEqualTo(Integer.parseInt(uids[1]));
        assertThat(Posix.getgid()).isEqualTo(Integer.parseInt(gids[0]));
        assertThat(Posix.getegid()).isEqualTo(Integer.parseInt(gids[1]));
    }

    private static String[] field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow()
                .substring(name.length() + 1).strip().split("\\s+");
    }

    @Test
    void umaskReturnsThePreviousMask() {
        int original = Posix.umask(027);
        try {
            assertThat(Posix.umask(077)).isEqualTo(027);
            assertThat(Posix.umask(original)).isEqualTo(077);
        } finally {
            Posix.umask(original);
        }
        assertThatThrownBy(() -> Posix.umask(01000)).isInstanceOf(IllegalArgumentException.class);
    }
}
