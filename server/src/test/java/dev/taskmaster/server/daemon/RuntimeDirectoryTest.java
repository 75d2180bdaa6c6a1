package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.server.os.Posix;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirectoryTest {

    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aMissingOneIsMadePrivateOrPassableWhateverTheUmask() throws Exception {
        int old = Posix.umask(077);
        try {
            Path dir = tmp.resolve("xdg/taskmaster");
            assertThat(RuntimeDirectory.prepare(dir, false)).isEmpty();
            assertThat(mode(dir)).isEqualTo("rwx------");
            Path passable = tmp.resolve("other/taskmaster");
            assertThat(RuntimeDirectory.prepare(passable, true)).isEmpty();
            assertThat(mode(passable)).isEqualTo("rwx--x--x");
        } finally {
            Posix.umask(old);
        }
    }

    @Test
    void oursButReadableByOthersIsSetToTheModeNeededAndSaysSo() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("taskmaster"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(RuntimeDirectory.prepare(dir, false))
                .isEqualTo(Optional.of("runtime directory " + dir + " had mode 0755; set it to 0700"));
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(RuntimeDirectory.prepare(dir, true))
                .isEqualTo(Optional.of("runtime directory " + dir + " had mode 0700; set it to 0711"));
        assertThat(RuntimeDirectory.prepare(dir, true)).isEmpty();
    }

    /**
     * An instance that grants other users access opened the directory to 0711; another instance
     * starting without such grants must not close it under the first one's users, only once no
     * instance runs there.
     */
    @Test
    void aPassableOneStaysPassableWhileAnotherInstanceRunsThere() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("taskmaster"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path lock = dir.resolve("shared.lock");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n",
                lock.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine())
                    .isEqualTo("locked");
            Files.writeString(dir.resolve("stopped.lock"), "1\n"); // an instance that is not running
            assertThat(RuntimeDirectory.prepare(dir, false)).isEqualTo(Optional.of("runtime directory " + dir
                    + " stays 0711: instance \"shared\" running there may grant other users access"));
            assertThat(mode(dir)).isEqualTo("rwx--x--x");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(RuntimeDirectory.prepare(dir, false))
                .isEqualTo(Optional.of("runtime directory " + dir + " had mode 0711; set it to 0700"));
        assertThat(mode(dir)).isEqualTo("rwx------");
    }

    @Test
    void oneWritableByOthersIsRefusedNotRepaired() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("taskmaster"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> RuntimeDirectory.prepare(dir, false)).isInstanceOf(IllegalStateException.class)
                .hasMessage(dir + " is writable by group and others (mode 0777), so anything in it may have been"
                        + " planted; remove it and start again");
        assertThat(mode(dir)).isEqualTo("rwxrwxrwx");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx-w----"));
        assertThatThrownBy(() -> RuntimeDirectory.prepare(dir, false)).hasMessageContaining("is writable by group (mode 0720)");
    }

    @Test
    void aLinkOrAFileIsRefused() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("taskmaster"), real);
        assertThatThrownBy(() -> RuntimeDirectory.prepare(link, false)).hasMessage(link + " is a symbolic link (to "
                + real + "), not a directory of this user's; remove it and start again");
        Path file = Files.writeString(tmp.resolve("file"), "");
        assertThatThrownBy(() -> RuntimeDirectory.prepare(file, false))
                .hasMessage(file + " is not a directory; remove it and start again");
    }

    @Test
    void anotherUsersIsRefusedWhateverItsMode() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "needs root to give a directory away");
        Path dir = Files.createDirectory(tmp.resolve("taskmaster"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", 65534);
        assertThatThrownBy(() -> RuntimeDirectory.prepare(dir, false))
                .hasMessage(dir + " is owned by uid 65534, not by this user (0); remove it and start again");
    }
}
