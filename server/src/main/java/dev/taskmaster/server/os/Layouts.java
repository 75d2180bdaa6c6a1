package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.Locale;

/**
 * Every C struct layout and opaque size the native layer relies on, in one place, chosen once
 * from {@code os.arch}. Supported: x86-64 and aarch64 (64-bit Linux, glibc).
 *
 * <p>Only {@code struct epoll_event} and a few {@code open} flags actually differ between the
 * two: the kernel declares the struct {@code __attribute__((packed))} on x86-64 (12 bytes, data
 * at 4) and naturally aligned elsewhere (16 bytes, data at 8); arm64 numbers O_DIRECTORY,
 * O_NOFOLLOW, O_DIRECT and O_LARGEFILE differently. The others are here so that a new
 * architecture means reviewing one file. Offsets were checked against glibc 2.36 headers with {@code offsetof}.
 *
 * <p>Threading: immutable constants.
 */
final class Layouts {

    enum Arch { X86_64, AARCH64 }

    static final Arch ARCH = arch(System.getProperty("os.arch"));

    // --- struct epoll_event { uint32_t events; epoll_data_t data; }
    static final StructLayout EPOLL_EVENT = epollEvent(ARCH);
    static final long EPOLL_EVENT_EVENTS = offset(EPOLL_EVENT, "events");
    static final long EPOLL_EVENT_DATA = offset(EPOLL_EVENT, "data");

    /** {@code open(2)}: fail with ELOOP rather than follow a symbolic link at the last component. */
    static final int O_NOFOLLOW = oNofollow(ARCH);

    // --- struct flock { short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid; }
    // (LP64: the same on x86-64 and aarch64; off_t is 64 bits, hence the pad at 4 and the tail pad)
    static final StructLayout FLOCK = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4)).withName("flock");
    static final long L_TYPE = offset(FLOCK, "l_type");
    static final long L_WHENCE = offset(FLOCK, "l_whence");
    static final long L_START = offset(FLOCK, "l_start");
    static final long L_LEN = offset(FLOCK, "l_len");
    static final long L_PID = offset(FLOCK, "l_pid");

    // --- siginfo_t as filled by waitid for SIGCHLD-style results (same on x86-64 and aarch64).
    // The union after si_code is 8-aligned because it holds pointers, hence the pad at 12.
    static final StructLayout SIGINFO = MemoryLayout.structLayout(
            JAVA_INT.withName("si_signo"),
            JAVA_INT.withName("si_errno"),
            JAVA_INT.withName("si_code"),
            MemoryLayout.paddingLayout(4),
            JAVA_INT.withName("si_pid"),
            JAVA_INT.withName("si_uid"),
            JAVA_INT.withName("si_status"),
            MemoryLayout.paddingLayout(128 - 28)).withName("siginfo_t");
    static final long SI_SIGNO = offset(SIGINFO, "si_signo");
    static final long SI_CODE = offset(SIGINFO, "si_code");
    static final long SI_PID = offset(SIGINFO, "si_pid");
    static final long SI_UID = offset(SIGINFO, "si_uid");
    static final long SI_STATUS = offset(SIGINFO, "si_status");

    // --- struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; } (rlim_t: unsigned long on LP64)
    static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"),
            JAVA_LONG.withName("rlim_max")).withName("rlimit");
    static final long RLIM_CUR = offset(RLIMIT, "rlim_cur");
    static final long RLIM_MAX = offset(RLIMIT, "rlim_max");

    // --- struct linux_dirent64 { u64 d_ino; s64 d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; }
    // (the kernel's own layout, the same on every architecture): records are walked by d_reclen.
    static final long DIRENT64_RECLEN = 16;
    static final long DIRENT64_NAME = 19;

    // --- struct passwd (LP64: same on x86-64 and aarch64)
    static final StructLayout PASSWD = MemoryLayout.structLayout(
            ADDRESS.withName("pw_name"),
            ADDRESS.withName("pw_passwd"),
            JAVA_INT.withName("pw_uid"),
            JAVA_INT.withName("pw_gid"),
            ADDRESS.withName("pw_gecos"),
            ADDRESS.withName("pw_dir"),
            ADDRESS.withName("pw_shell")).withName("passwd");
    static final long PW_NAME = offset(PASSWD, "pw_name");
    static final long PW_UID = offset(PASSWD, "pw_uid");
    static final long PW_GID = offset(PASSWD, "pw_gid");
    static final long PW_DIR = offset(PASSWD, "pw_dir");
    static final long PW_SHELL = offset(PASSWD, "pw_shell");

    // --- struct group (LP64: same on x86-64 and aarch64)
    static final StructLayout GROUP = MemoryLayout.structLayout(
            ADDRESS.withName("gr_name"),
            ADDRESS.withName("gr_passwd"),
            JAVA_INT.withName("gr_gid"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("gr_mem")).withName("group");
    static final long GR_NAME = offset(GROUP, "gr_name");
    static final long GR_GID = offset(GROUP, "gr_gid");

    /**
     * glibc's sigset_t: {@code unsigned long __val[16]}, 1024 bits, signal n at bit n-1 of the
     * words in order. Linux has 64 signals, all in word 0 on a 64-bit architecture.
     */
    static final long SIGSET_SIZE = 128;

    /**
     * posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336 bytes) on glibc 2.36
     * x86-64 are opaque; allocate generously so a future glibc growing them cannot overrun.
     */
    static final long SPAWN_FILE_ACTIONS_SIZE = 512;
    static final long SPAWNATTR_SIZE = 512;
    static final long SPAWN_OPAQUE_ALIGN = 8;

    private Layouts() {}

    /**
     * Fills a zeroed sigset_t so that signal n is a member iff bit n-1 of {@code signals} is set.
     * Unlike sigaddset, this can include glibc's internal signals 32 and 33.
     */
    static void setSignals(MemorySegment sigset, long signals) {
        sigset.asSlice(0, SIGSET_SIZE).fill((byte) 0);
        sigset.set(JAVA_LONG, 0, signals);
    }

    static Arch arch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> Arch.X86_64;
            case "aarch64", "arm64" -> Arch.AARCH64;
            default -> throw new UnsupportedOperationException(
                    "Taskmaster's native layer supports x86-64 and aarch64 Linux, not " + osArch);
        };
    }

    static int oNofollow(Arch arch) {
        return switch (arch) {
            case X86_64 -> 0400000;
            case AARCH64 -> 0100000;
        };
    }

    static StructLayout epollEvent(Arch arch) {
        return switch (arch) {
            case X86_64 -> MemoryLayout.structLayout(
                    JAVA_INT.withName("events"),
                    JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event");
            case AARCH64 -> MemoryLayout.structLayout(
                    JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("data")).withName("epoll_event");
        };
    }

    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }
}
