package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExclusiveLockTest {

    @TempDir
    Path tmp;

    @Test
    void aFreeLockIsOursAndItsFileHoldsWhatWeWrite() throws Exception {
        Path file = tmp.resolve("a.lock");
        ExclusiveLock.Attempt attempt = ExclusiveLock.tryAcquire(file, 0644);
        assertThat(attempt).isInstanceOf(ExclusiveLock.Acquired.class);
        try (ExclusiveLock lock = ((ExclusiveLock.Acquired) attempt).lock()) {
            lock.write("1234\n");
            lock.write("56\n");
            assertThat(Files.readString(file)).isEqualTo("56\n");
            assertThat(lock.path()).isEqualTo(file);
        }
        assertThat(file).as("the file stays; only the lock goes").exists();
    }

    /** Another process (python's fcntl.lockf is an F_SETLK write lock too) holds it: we learn its pid. */
    @Test
    void aHeldLockNamesItsHoldersPidAndIsOursOnceItGoes() throws Exception {
        Path file = tmp.resolve("held.lock");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n",
                file.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            for (int i = 0; i < 20; i++) {
                assertThat(ExclusiveLock.tryAcquire(file, 0644)).isEqualTo(new ExclusiveLock.Busy((int) holder.pid()));
            }
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        ExclusiveLock.Attempt after = ExclusiveLock.tryAcquire(file, 0644);
        assertThat(after).isInstanceOf(ExclusiveLock.Acquired.class);
        ((ExclusiveLock.Acquired) after).lock().close();
    }

    @Test
    void aLinkAtTheNameIsRefusedNotFollowed() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path link = Files.createSymbolicLink(tmp.resolve("x.lock"), victim);
        assertThatThrownBy(() -> ExclusiveLock.tryAcquire(link, 0644))
                .hasMessage(link + " is a symbolic link; refusing to follow it");
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
    }

    @Test
    void anotherUsersFileOrADirectoryIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("d.lock"));
        assertThatThrownBy(() -> ExclusiveLock.tryAcquire(dir, 0644)).hasMessageContaining(dir.toString());
        Assumptions.assumeTrue(Posix.geteuid() == 0, "needs root to give a file away");
        Path theirs = Files.writeString(tmp.resolve("theirs.lock"), "");
        Files.setAttribute(theirs, "unix:uid", 65534);
        assertThatThrownBy(() -> ExclusiveLock.tryAcquire(theirs, 0644))
                .hasMessage(theirs + " is owned by uid 65534, not by this user (0)");
    }
}
