package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskmaster.client.testing.TestUsers;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client refuses a socket someone else could be behind: sockets, directories and links
 * owned by a second user created at test time, directories others may write to.
 */
class SocketCheckTest {

    @TempDir
    Path tmp;

    static Path socket(Path path) throws Exception {
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(path));
        }
        return path;
    }

    static void chown(Path path, int uid) throws Exception {
        Files.setAttribute(path, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    static int me() {
        return SocketPaths.currentUid();
    }

    @Test
    void ourOwnSocketInOurOwnDirectoryPasses() throws Exception {
        Path s = socket(tmp.resolve("ok.sock"));
        assertThatCode(() -> SocketCheck.verify(s, me())).doesNotThrowAnyException();
    }

    @Test
    void aMissingSocketPassesSoThatDiallingSaysItIsMissing() {
        assertThatCode(() -> SocketCheck.verify(tmp.resolve("nobody.sock"), me())).doesNotThrowAnyException();
        assertThatCode(() -> SocketCheck.verify(tmp.resolve("no-dir/nobody.sock"), me())).doesNotThrowAnyException();
    }

    @Test
    void aSocketOwnedBySomeoneElseIsRefused() throws Exception {
        assumeTrue(TestUsers.root(), "needs root to create a second user and give it a file");
        int other = TestUsers.uid(TestUsers.OTHER);
        Path s = socket(tmp.resolve("theirs.sock"));
        chown(s, other);

        assertThatThrownBy(() -> SocketCheck.verify(s, me()))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSAFE))
                .hasMessage("refusing " + s + ": owned by uid " + other + ", not by you (" + me() + ") or root");
        // The owner itself may use it.
        assertThatCode(() -> SocketCheck.verify(s, other)).doesNotThrowAnyException();
    }

    @Test
    void aDirectoryOwnedBySomeoneElseIsRefused() throws Exception {
        assumeTrue(TestUsers.root(), "needs root to create a second user and give it a directory");
        int other = TestUsers.uid(TestUsers.OTHER);
        Path dir = Files.createDirectory(tmp.resolve("their-dir"));
        Path s = socket(dir.resolve("default.sock"));
        chown(dir, other);

        assertThatThrownBy(() -> SocketCheck.verify(s, me()))
                .hasMessage("refusing " + s + ": its directory " + dir + " is owned by uid " + other + ", not by you (" + me() + ") or root");
    }

    @Test
    void aDirectoryOthersMayWriteWithoutTheStickyBitIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Path s = socket(dir.resolve("default.sock"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> SocketCheck.verify(s, me()))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSAFE))
                .hasMessage("refusing " + s + ": its directory " + dir
                        + " is writable by others (mode 0777) without the sticky bit, so the socket could be replaced");

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertThatThrownBy(() -> SocketCheck.verify(s, me())).hasMessageContaining("is writable by its group (mode 0770)");

        // Sticky, like /tmp: others may add files but not replace ours.
        Files.setAttribute(dir, "unix:mode", 01777);
        assertThatCode(() -> SocketCheck.verify(s, me())).doesNotThrowAnyException();
    }

    @Test
    void aDirectoryFurtherUpIsCheckedToo() throws Exception {
        Path top = Files.createDirectory(tmp.resolve("top"));
        Path dir = Files.createDirectory(top.resolve("taskmaster"));
        Path s = socket(dir.resolve("default.sock"));
        Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> SocketCheck.verify(s, me())).hasMessage("refusing " + s + ": the directory " + top
                + " is writable by others (mode 0777) without the sticky bit, so the socket could be replaced");
    }

    @Test
    void somethingThatIsNotASocketIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("default.sock"), "not a socket");
        assertThatThrownBy(() -> SocketCheck.verify(file, me())).hasMessage("refusing " + file + ": not a socket (a regular file)");
    }

    @Test
    void aLinkOwnedBySomeoneElseIsRefusedEvenToOurSocket() throws Exception {
        assumeTrue(TestUsers.root(), "needs root to create a second user and give it a link");
        int other = TestUsers.uid(TestUsers.OTHER);
        Path real = socket(tmp.resolve("real.sock"));
        Path link = Files.createSymbolicLink(tmp.resolve("link.sock"), real);
        assertThatCode(() -> SocketCheck.verify(link, me())).doesNotThrowAnyException();

        chown(link, other);
        assertThatThrownBy(() -> SocketCheck.verify(link, me())).hasMessage("refusing " + link + ": the symbolic link " + link
                + " is owned by uid " + other + ", not by you (" + me() + ") or root");
    }

    @Test
    void openingAChannelChecksTheSocketFirst() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open2"));
        Path s = socket(dir.resolve("default.sock"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> DaemonChannel.open(s)).isInstanceOf(TargetException.class).hasMessageStartingWith("refusing " + s);
    }
}
