package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** Sizes and offsets as glibc 2.36 / Linux headers declare them (checked with offsetof). */
class LayoutsTest {

    @Test
    void archComesFromOsArch() {
        assertThat(Layouts.arch("amd64")).isEqualTo(Layouts.Arch.X86_64);
        assertThat(Layouts.arch("x86_64")).isEqualTo(Layouts.Arch.X86_64);
        assertThat(Layouts.arch("aarch64")).isEqualTo(Layouts.Arch.AARCH64);
        assertThat(Layouts.ARCH).isEqualTo(Layouts.arch(System.getProperty("os.arch")));
        assertThatThrownBy(() -> Layouts.arch("ppc64le")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("ppc64le");
    }

    @Test
    void epollEventIsPackedOnX8664Only() {
        StructLayout x86 = Layouts.epollEvent(Layouts.Arch.X86_64);
        assertThat(x86.byteSize()).isEqualTo(12);
        assertThat(Layouts.offset(x86, "events")).isZero();
        assertThat(Layouts.offset(x86, "data")).isEqualTo(4);

        StructLayout arm = Layouts.epollEvent(Layouts.Arch.AARCH64);
        assertThat(arm.byteSize()).isEqualTo(16);
        assertThat(Layouts.offset(arm, "events")).isZero();
        assertThat(Layouts.offset(arm, "data")).isEqualTo(8);

        assertThat(Layouts.EPOLL_EVENT).isEqualTo(Layouts.epollEvent(Layouts.ARCH));
        assertThat(Layouts.EPOLL_EVENT_DATA).isEqualTo(Layouts.ARCH == Layouts.Arch.X86_64 ? 4 : 8);
    }

    @Test
    void siginfo() {
        assertThat(Layouts.SIGINFO.byteSize()).isEqualTo(128);
        assertThat(Layouts.SI_SIGNO).isZero();
        assertThat(Layouts.offset(Layouts.SIGINFO, "si_errno")).isEqualTo(4);
        assertThat(Layouts.SI_CODE).isEqualTo(8);
        assertThat(Layouts.SI_PID).isEqualTo(16);
        assertThat(Layouts.SI_UID).isEqualTo(20);
        assertThat(Layouts.SI_STATUS).isEqualTo(24);
    }

    @Test
    void rlimitAndDirent64() {
        assertThat(Layouts.RLIMIT.byteSize()).isEqualTo(16);
        assertThat(Layouts.RLIM_CUR).isZero();
        assertThat(Layouts.RLIM_MAX).isEqualTo(8);
        // struct linux_dirent64: d_ino 0, d_off 8, d_reclen 16, d_type 18, d_name 19.
        assertThat(Layouts.DIRENT64_RECLEN).isEqualTo(16);
        assertThat(Layouts.DIRENT64_NAME).isEqualTo(19);
    }

    @Test
    void passwd() {
        assertThat(Layouts.PASSWD.byteSize()).isEqualTo(48);
        assertThat(Layouts.PW_NAME).isZero();
        assertThat(Layouts.offset(Layouts.PASSWD, "pw_passwd")).isEqualTo(8);
        assertThat(Layouts.PW_UID).isEqualTo(16);
        assertThat(Layouts.PW_GID).isEqualTo(20);
        assertThat(Layouts.offset(Layouts.PASSWD, "pw_gecos")).isEqualTo(24);
        assertThat(Layouts.PW_DIR).isEqualTo(32);
        assertThat(Layouts.PW_SHELL).isEqualTo(40);
    }

    @Test
    void opaqueSpawnTypesHaveRoomToSpare() {
        // glibc 2.36 x86-64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336.
        assertThat(Layouts.SPAWN_FILE_ACTIONS_SIZE).isGreaterThanOrEqualTo(2 * 80);
        assertThat(Layouts.SPAWNATTR_SIZE).isGreaterThanOrEqualTo(336 + 128);
        assertThat(Layouts.SIGSET_SIZE).isEqualTo(128);
    }

    @Test
    void sigsetBitsAgreeWithSigismember() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment set = arena.allocate(Layouts.SIGSET_SIZE, 8);
            long signals = (1L << (1 - 1)) | (1L << (9 - 1)) | (1L << (32 - 1)) | (1L << (33 - 1)) | (1L << (64 - 1));
            Layouts.setSignals(set, signals);
            for (int sig = 1; sig <= 64; sig++) {
                boolean expected = sig == 1 || sig == 9 || sig == 32 || sig == 33 || sig == 64;
                assertThat(LibC.sigismember(set, sig)).as("signal %d", sig).isEqualTo(expected ? 1 : 0);
            }
        }
    }

    @Test
    void waitStatusFromSiCode() {
        assertThat(PidFd.status(1, 3)).isEqualTo(new WaitStatus.Exited(3));
        assertThat(PidFd.status(2, 15)).isEqualTo(new WaitStatus.Killed(15, false));
        assertThat(PidFd.status(3, 11)).isEqualTo(new WaitStatus.Killed(11, true));
        assertThatThrownBy(() -> PidFd.status(5, 19)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void flockAsGlibcDeclaresIt() {
        // offsetof on glibc 2.36 x86-64 (aarch64 is the same: LP64, 64-bit off_t).
        assertThat(Layouts.FLOCK.byteSize()).isEqualTo(32);
        assertThat(Layouts.L_TYPE).isZero();
        assertThat(Layouts.L_WHENCE).isEqualTo(2);
        assertThat(Layouts.L_START).isEqualTo(8);
        assertThat(Layouts.L_LEN).isEqualTo(16);
        assertThat(Layouts.L_PID).isEqualTo(24);
    }

    @Test
    void oNofollowDiffersOnAarch64() {
        assertThat(Layouts.oNofollow(Layouts.Arch.X86_64)).isEqualTo(0400000);
        assertThat(Layouts.oNofollow(Layouts.Arch.AARCH64)).isEqualTo(0100000);
        assertThat(Layouts.O_NOFOLLOW).isEqualTo(Layouts.oNofollow(Layouts.ARCH));
    }
}
