package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceLockTest {

    @TempDir
    Path tmp;

    @Test
    void theFileIsBesideTheSocketsAndHoldsThePid() throws Exception {
        Path file = InstanceLock.file(tmp, "blue");
        assertThat(file).isEqualTo(tmp.resolve("blue.lock"));
        try (InstanceLock lock = InstanceLock.acquire("blue", file)) {
            assertThat(Files.readString(file)).isEqualTo(ProcessHandle.current().pid() + "\n");
        }
    }

    @Test
    void aLiveHolderIsNamedByPid() throws Exception {
        Path file = InstanceLock.file(tmp, "default");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n",
                file.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> InstanceLock.acquire("default", file)).isInstanceOf(InstanceLock.Busy.class)
                    .hasMessage("instance \"default\" is already running (pid " + holder.pid() + ", lock " + file + ")");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Anyone who may open the lock file may take a read lock on it and so keep every daemon of
     * the instance from starting: the file is the daemon's alone, and an older 0644 one is tightened.
     */
    @Test
    void onlyTheDaemonsUserMayOpenTheLockFile() throws Exception {
        Path fresh = InstanceLock.file(tmp, "fresh");
        try (InstanceLock lock = InstanceLock.acquire("fresh", fresh)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");
        }
        Path old = Files.writeString(InstanceLock.file(tmp, "old"), "42\n");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
        try (InstanceLock lock = InstanceLock.acquire("old", old)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old))).isEqualTo("rw-------");
        }
    }
}
