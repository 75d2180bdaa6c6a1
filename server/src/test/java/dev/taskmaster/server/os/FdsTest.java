package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FdsTest {

    @Test
    void pipeIsCloseOnExecAndBlockingUntilToldOtherwise() throws Exception {
        Pipe p = Pipe.create();
        try {
            assertThat(Fds.isCloseOnExec(p.readFd())).isTrue();
            assertThat(Fds.isCloseOnExec(p.writeFd())).isTrue();
            assertThat(Fds.isNonBlocking(p.readFd())).isFalse();
            Fds.setNonBlocking(p.readFd(), true);
            assertThat(Fds.isNonBlocking(p.readFd())).isTrue();
            Fds.setNonBlocking(p.readFd(), false);
            assertThat(Fds.isNonBlocking(p.readFd())).isFalse();
            Fds.setCloseOnExec(p.writeFd(), false);
            assertThat(Fds.isCloseOnExec(p.writeFd())).isFalse();
        } finally {
            Fds.close(p.readFd());
            Fds.close(p.writeFd());
        }
    }

    @Test
    void readWriteEagainAndEof() throws Exception {
        Pipe p = Pipe.create();
        try (Arena arena = Arena.ofConfined()) {
            Fds.setNonBlocking(p.readFd(), true);
            Fds.setNonBlocking(p.writeFd(), true);
            MemorySegment buf = arena.allocate(65536);
            assertThat(Fds.read(p.readFd(), buf, buf.byteSize())).isEqualTo(Fds.WOULD_BLOCK);

            MemorySegment hello = arena.allocateFrom("hello", StandardCharsets.UTF_8);
            assertThat(Fds.write(p.writeFd(), hello, 5)).isEqualTo(5);
            assertThat(Fds.read(p.readFd(), buf, 3)).isEqualTo(3);
            assertThat(Fds.read(p.readFd(), buf.asSlice(3), 100)).isEqualTo(2);
            assertThat(buf.getString(0)).startsWith("hello");

            long written = 0;
            long n;
            while ((n = Fds.write(p.writeFd(), buf, buf.byteSize())) > 0) {
                written += n;
            }
            assertThat(n).as("a full pipe would block").isEqualTo(Fds.WOULD_BLOCK);
            long read = 0;
            while ((n = Fds.read(p.readFd(), buf, buf.byteSize())) > 0) {
                read += n;
            }
            assertThat(read).isEqualTo(written);

            Fds.close(p.writeFd());
            assertThat(Fds.read(p.readFd(), buf, buf.byteSize())).as("EOF").isZero();
        } finally {
            Fds.close(p.readFd());
        }
    }

    @Test
    void writeToAPipeWithoutReaderIsEpipe() throws Exception {
        Pipe p = Pipe.create();
        Fds.close(p.readFd());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(1);
            assertThatThrownBy(() -> Fds.write(p.writeFd(), b, 1))
                    .isInstanceOfSatisfying(NativeException.class, e -> {
                        assertThat(e.call()).isEqualTo("write");
                        assertThat(e.errnoName()).isEqualTo("EPIPE");
                    });
        } finally {
            Fds.close(p.writeFd());
        }
    }

    @Test
    void errorsNameTheCallAndErrno() throws Exception {
        int fd = Fds.openDevNull();
        Fds.close(fd);
        assertThatThrownBy(() -> Fds.close(fd))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.call()).isEqualTo("close");
                    assertThat(e.errno()).isEqualTo(Errno.EBADF);
                    assertThat(e.getMessage()).isEqualTo("close: " + Errno.describe(Errno.EBADF) + " (EBADF)");
                });
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Fds.read(fd, arena.allocate(8), 8))
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errnoName()).isEqualTo("EBADF"));
        }
        Fds.closeQuietly(fd); // no exception
    }

    @Test
    void buffersMustBeNativeAndLargeEnough() {
        assertThatThrownBy(() -> Fds.read(0, MemorySegment.ofArray(new byte[8]), 8))
                .isInstanceOf(IllegalArgumentException.class);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(4);
            assertThatThrownBy(() -> Fds.write(1, small, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void devNullIsCloseOnExec() throws Exception {
        int fd = Fds.openDevNull();
        try {
            assertThat(Fds.isCloseOnExec(fd)).isTrue();
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd))).isEqualTo(Path.of("/dev/null"));
            try (Arena arena = Arena.ofConfined()) {
                assertThat(Fds.read(fd, arena.allocate(16), 16)).isZero();
                MemorySegment data = arena.allocate(JAVA_BYTE, 10);
                assertThat(Fds.write(fd, data, 10)).isEqualTo(10);
            }
        } finally {
            Fds.close(fd);
        }
    }
}
