package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void namesOfTheCommonErrnos() {
        Map<Integer, String> expected = Map.ofEntries(
                Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(3, "ESRCH"), Map.entry(4, "EINTR"),
                Map.entry(7, "E2BIG"), Map.entry(8, "ENOEXEC"), Map.entry(9, "EBADF"), Map.entry(10, "ECHILD"),
                Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"),
                Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"), Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"),
                Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"), Map.entry(26, "ETXTBSY"),
                Map.entry(32, "EPIPE"), Map.entry(36, "ENAMETOOLONG"), Map.entry(38, "ENOSYS"), Map.entry(40, "ELOOP"),
                Map.entry(42, "ENOMSG"), Map.entry(59, "EBFONT"), Map.entry(110, "ETIMEDOUT"),
                Map.entry(133, "EHWPOISON"));
        expected.forEach((errno, name) -> assertThat(Errno.name(errno)).as("errno %d", errno).isEqualTo(name));
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.name(41)).isEqualTo("errno 41");
        assertThat(Errno.name(134)).isEqualTo("errno 134");
        assertThat(Errno.name(-1)).isEqualTo("errno -1");
    }

    @Test
    void constantsMatchNames() {
        assertThat(Errno.name(Errno.ENOENT)).isEqualTo("ENOENT");
        assertThat(Errno.name(Errno.ESRCH)).isEqualTo("ESRCH");
        assertThat(Errno.name(Errno.ELOOP)).isEqualTo("ELOOP");
        assertThat(Errno.name(Errno.ERANGE)).isEqualTo("ERANGE");
        assertThat(Errno.name(Errno.EPIPE)).isEqualTo("EPIPE");
    }

    @Test
    void descriptionsComeFromLibc() {
        // The JVM runs in the C locale's messages unless LANG says otherwise.
        assertThat(Errno.describe(Errno.ENOENT)).isNotBlank();
        assertThat(Errno.describe(4242)).contains("4242");
        NativeException e = new NativeException("posix_spawn", Errno.ENOENT);
        assertThat(e.getMessage()).isEqualTo("posix_spawn: " + Errno.describe(Errno.ENOENT) + " (ENOENT)");
        assertThat(e.call()).isEqualTo("posix_spawn");
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        String locale = java.util.stream.Stream.of("LC_ALL", "LC_MESSAGES", "LANG").map(System::getenv)
                .filter(v -> v != null && !v.isEmpty()).findFirst().orElse("C");
        if (locale.matches("C(\\..*)?|POSIX|en.*")) {
            assertThat(e.getMessage()).isEqualTo("posix_spawn: No such file or directory (ENOENT)");
        }
    }
}
