package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ServerSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimePathsTest {

    @Test
    void xdgDirectoriesWhenSet() {
        RuntimePaths p = RuntimePaths.resolve(ServerSpec.DEFAULT, "blue",
                Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "XDG_STATE_HOME", "/home/u/.state", "HOME", "/home/u"), 1000);
        assertThat(p).isEqualTo(new RuntimePaths(Path.of("/run/user/1000/taskmaster/blue.sock"),
                Path.of("/run/user/1000/taskmaster/blue.pid"), Path.of("/home/u/.state/taskmaster/blue/taskmasterd.log"),
                Path.of("/home/u/.state/taskmaster/blue/logs")));
    }

    @Test
    void fallbacksPerUser() {
        RuntimePaths p = RuntimePaths.resolve(ServerSpec.DEFAULT, "default", Map.of("HOME", "/home/u"), 1000);
        assertThat(p.socket()).isEqualTo(Path.of("/tmp/taskmaster-1000/default.sock"));
        assertThat(p.logfile()).isEqualTo(Path.of("/home/u/.local/state/taskmaster/default/taskmasterd.log"));
        RuntimePaths root = RuntimePaths.resolve(ServerSpec.DEFAULT, "default", Map.of("HOME", "/root"), 0);
        assertThat(root.socket()).isEqualTo(Path.of("/tmp/taskmaster-0/default.sock"));
        assertThat(root.logfile()).isEqualTo(Path.of("/var/log/taskmaster/default/taskmasterd.log"));
    }

    @Test
    void theConfigWins() {
        ServerSpec spec = new ServerSpec("x", Optional.of(Path.of("/s.sock")), Optional.of(Path.of("/l.log")),
                ServerSpec.DEFAULT.loglevel(), ServerSpec.DEFAULT.logRotation(), Optional.of(Path.of("/p.pid")),
                Optional.of(Path.of("/logs")), Optional.empty(), List.of(), Optional.empty(), List.of(), 0640);
        assertThat(RuntimePaths.resolve(spec, "x", Map.of(), 5))
                .isEqualTo(new RuntimePaths(Path.of("/s.sock"), Path.of("/p.pid"), Path.of("/l.log"), Path.of("/logs")));
    }

    @Test
    void uidOfThisProcess() {
        assertThat(RuntimePaths.currentUid()).isGreaterThanOrEqualTo(0);
    }
}
