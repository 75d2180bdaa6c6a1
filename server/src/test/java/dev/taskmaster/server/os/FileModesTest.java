package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModesTest {

    @TempDir
    Path tmp;

    @Test
    void aNewFileGetsExactlyTheModeWhateverTheUmask() throws Exception {
        int old = Posix.umask(077);
        try {
            Path log = tmp.resolve("a.log");
            try (FileChannel ch = FileModes.openAppend(log, 0660)) {
                ch.write(ByteBuffer.wrap("one\n".getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(mode(log)).isEqualTo("rw-rw----");
            try (FileChannel ch = FileModes.openAppend(log, 0660)) {
                ch.write(ByteBuffer.wrap("two\n".getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(Files.readString(log)).as("appended, not truncated").isEqualTo("one\ntwo\n");
        } finally {
            Posix.umask(old);
        }
    }

    @Test
    void anExistingFileOfOursIsTightenedNeverWidened() throws Exception {
        Path open = Files.writeString(tmp.resolve("open.log"), "x\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-rw-"));
        FileModes.prepare(open, 0640);
        assertThat(mode(open)).isEqualTo("rw-r-----");

        Path tight = Files.writeString(tmp.resolve("tight.log"), "x\n");
        Files.setPosixFilePermissions(tight, PosixFilePermissions.fromString("rw-------"));
        FileModes.prepare(tight, 0644);
        assertThat(mode(tight)).isEqualTo("rw-------");
    }

    @Test
    void anotherUsersFileIsLeftAsItIs() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "needs root to give a file away");
        Path theirs = Files.writeString(tmp.resolve("theirs.log"), "x\n");
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        FileModes.prepare(theirs, 0600);
        assertThat(mode(theirs)).isEqualTo("rw-rw-rw-");
    }

    @Test
    void aLinkIsWrittenThroughButWhatItPointsToIsNotTightened() throws Exception {
        Path target = Files.writeString(tmp.resolve("target"), "");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(tmp.resolve("link.log"), target);
        try (FileChannel ch = FileModes.openAppend(link, 0600)) {
            ch.write(ByteBuffer.wrap("via link\n".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(Files.readString(target)).isEqualTo("via link\n");
        assertThat(mode(target)).isEqualTo("rw-r--r--");
    }

    @Test
    void aDanglingLinkIsNeverFollowedToCreateAFile() throws Exception {
        Path victim = tmp.resolve("victim");
        Path link = Files.createSymbolicLink(tmp.resolve("planted.log"), victim);
        assertThatThrownBy(() -> FileModes.prepare(link, 0640)).hasMessage(link + ": No such file or directory (ENOENT)");
        assertThat(victim).doesNotExist();
    }

    @Test
    void failuresNameThePathAndTheErrno() {
        Path missing = tmp.resolve("no/such/dir/x.log");
        assertThatThrownBy(() -> FileModes.openAppend(missing, 0640))
                .hasMessage(missing + ": No such file or directory (ENOENT)");
        assertThatThrownBy(() -> FileModes.prepare(tmp.resolve("x"), 01640)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }
}
