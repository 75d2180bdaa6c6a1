package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.server.os.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoriesTest {

    @TempDir
    Path tmp;

    @Test
    void createMissingTellsWhichItMade() throws Exception {
        Files.createDirectories(tmp.resolve("var/log"));
        assertThat(Directories.createMissing(tmp.resolve("var/log/taskmaster/default")))
                .containsExactly(tmp.resolve("var/log/taskmaster"), tmp.resolve("var/log/taskmaster/default"));
        assertThat(Directories.createMissing(tmp.resolve("var/log/taskmaster/default"))).isEmpty();
    }

    @Test
    void aDirectoryOthersMayWriteWithoutTheStickyBitIsRefused() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> Directories.requireTrusted(open, "socket")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the socket directory " + open + " is writable by group and others (mode 0777) without the"
                        + " sticky bit, so they could replace what the daemon puts there; use a directory only its"
                        + " owner can write (or one with the sticky bit, like /tmp)");
        Path group = Files.createDirectory(tmp.resolve("group"));
        Files.setPosixFilePermissions(group, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> Directories.requireTrusted(group, "pidfile"))
                .hasMessageStartingWith("the pidfile directory " + group + " is writable by group (mode 0775)");
        Directories.requireTrusted(Path.of("/tmp"), "socket"); // 1777: sticky
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Directories.requireTrusted(open, "socket");
    }

    @Test
    void aLinkIsRefusedAndNamed() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertThatThrownBy(() -> Directories.requireTrusted(link, "pidfile")).hasMessage("the pidfile directory "
                + link + " is a symbolic link (to " + real + "); name the directory itself");
        assertThatThrownBy(() -> Directories.prepare(link, "pidfile")).hasMessageContaining("is a symbolic link");
    }

    @Test
    void anotherUsersDirectoryIsRefused() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "needs root to give a directory away");
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        assertThatThrownBy(() -> Directories.requireTrusted(theirs, "socket")).hasMessage("the socket directory "
                + theirs + " is owned by uid 65534, neither this user (0) nor root, who alone may be trusted with it");
        assertThatThrownBy(() -> Directories.requireOwnedByRoot(theirs, "logdir")).hasMessage("the logdir " + theirs
                + " is owned by uid 65534, and a daemon running as root does not write in another user's directory;"
                + " chown it to root, or set server.user to run as that user");
    }
}
