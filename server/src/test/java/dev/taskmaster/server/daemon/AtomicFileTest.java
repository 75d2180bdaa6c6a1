package dev.taskmaster.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path tmp;

    @Test
    void writesWholeAndLeavesNoTemporaryFile() throws Exception {
        Path target = tmp.resolve("d.pid");
        AtomicFile.write(target, "42\n", 0644);
        AtomicFile.write(target, "43\n", 0644);
        assertThat(Files.readString(target)).isEqualTo("43\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).containsExactly(target);
        }
    }

    /** Links at the old fixed temporary name and at the target itself: the file they point to is never written. */
    @Test
    void plantedLinksAreReplacedNeverWrittenThrough() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path target = tmp.resolve("d.pid");
        Path oldTmp = Files.createSymbolicLink(tmp.resolve("d.pid.tmp"), victim);
        Files.createSymbolicLink(target, victim);
        AtomicFile.write(target, "42\n", 0644);
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(Files.isSymbolicLink(target)).isFalse();
        assertThat(Files.readString(target)).isEqualTo("42\n");
        assertThat(Files.readSymbolicLink(oldTmp)).isEqualTo(victim);
        assertThat(Files.exists(oldTmp, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
