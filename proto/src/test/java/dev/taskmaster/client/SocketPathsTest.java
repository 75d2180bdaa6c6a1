package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocketPathsTest {

    private static final Map<String, String> XDG = Map.of("XDG_RUNTIME_DIR", "/run/user/1000");

    @Test
    void anExplicitSocketWinsOverEverything() {
        assertThat(SocketPaths.resolve(Path.of("/srv/tm.sock"), "other", XDG, 1000)).isEqualTo(Path.of("/srv/tm.sock"));
        assertThat(SocketPaths.resolve(Path.of("rel.sock"), null, Map.of(), 0)).isEqualTo(Path.of("rel.sock"));
    }

    @Test
    void theInstanceDefaultsToDefaultUnderXdgRuntimeDir() {
        assertThat(SocketPaths.resolve(null, null, XDG, 1000)).isEqualTo(Path.of("/run/user/1000/taskmaster/default.sock"));
    }

    @Test
    void aNamedInstanceGetsItsOwnSocket() {
        assertThat(SocketPaths.resolve(null, "web-prod", XDG, 1000)).isEqualTo(Path.of("/run/user/1000/taskmaster/web-prod.sock"));
        assertThat(SocketPaths.resolve(null, "main", Map.of(), 1000)).isEqualTo(Path.of("/tmp/taskmaster-1000/main.sock"));
    }

    @Test
    void withoutXdgRuntimeDirTheSocketIsUnderTmpPerUid() {
        assertThat(SocketPaths.resolve(null, null, Map.of(), 0)).isEqualTo(Path.of("/tmp/taskmaster-0/default.sock"));
        assertThat(SocketPaths.resolve(null, null, Map.of("HOME", "/root"), 4242)).isEqualTo(Path.of("/tmp/taskmaster-4242/default.sock"));
    }

    @Test
    void anEmptyOrBlankXdgRuntimeDirCountsAsUnsetLikeTheDaemonDoes() {
        assertThat(SocketPaths.resolve(null, null, Map.of("XDG_RUNTIME_DIR", ""), 7)).isEqualTo(Path.of("/tmp/taskmaster-7/default.sock"));
        assertThat(SocketPaths.resolve(null, null, Map.of("XDG_RUNTIME_DIR", "  "), 7)).isEqualTo(Path.of("/tmp/taskmaster-7/default.sock"));
    }

    @Test
    void anInstanceNameThatCouldLeaveTheDirectoryIsRefused() {
        for (String bad : new String[] {"", "../etc", "a/b", ".hidden", "-x", "a b"}) {
            assertThatThrownBy(() -> SocketPaths.resolve(null, bad, XDG, 1000))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid instance name");
        }
    }

    @Test
    void theUidIsThatOfThisProcess() throws Exception {
        int uid = SocketPaths.currentUid();
        assertThat(uid).isGreaterThanOrEqualTo(0);
        Process id = new ProcessBuilder("id", "-u").start();
        assertThat(new String(id.getInputStream().readAllBytes()).strip()).isEqualTo(Integer.toString(uid));
    }
}
