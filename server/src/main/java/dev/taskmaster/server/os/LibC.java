package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * The glibc functions Taskmaster calls, each linked once when this class initializes.
 *
 * <p>Calls that report failure through {@code errno} are linked with
 * {@code captureCallState("errno")} into a per-thread capture segment, so {@link #errno()} right
 * after such a call returns that call's errno, whatever the JVM did in between. Functions that
 * return an error number themselves ({@code posix_spawn*}, {@code getpw*_r}) are linked without.
 *
 * <p>Threading: every method may be called from any thread; {@link #errno()} reports the last
 * errno-capturing call made by the calling thread.
 *
 * <p>Flag values below are the generic Linux ones, identical on x86-64 and aarch64; anything
 * that differs between architectures lives in {@link Layouts}.
 */
@SuppressWarnings("restricted") // linking downcalls is what this class is for
final class LibC {

    // fcntl.h (generic values; O_DIRECTORY & co. differ on aarch64 and are deliberately absent)
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_APPEND = 02000;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_SETPIPE_SZ = 1031;
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int O_NOCTTY = 0400;
    static final int O_EXCL = 0200;
    // O_NOFOLLOW differs on aarch64: see Layouts.O_NOFOLLOW.
    // fcntl record locks (asm-generic, 64-bit: struct flock is Layouts.FLOCK)
    static final int F_GETLK = 5;
    static final int F_SETLK = 6;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    static final short SEEK_SET = 0;

    // poll.h
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;

    // asm-generic/ioctls.h (x86-64 and aarch64 share these)
    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;

    // spawn.h
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;

    // sys/wait.h
    static final int P_PID = 1;
    static final int P_PIDFD = 3;
    static final int WNOHANG = 1;
    static final int WEXITED = 4;
    static final int WNOWAIT = 0x01000000;
    static final int P_ALL = 0;
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    static final int CLD_DUMPED = 3;
    /** waitid: report children stopped by a signal, and continued ones (job control seen from outside). */
    static final int WSTOPPED = 2;
    static final int WCONTINUED = 8;
    static final int CLD_STOPPED = 5;
    static final int CLD_CONTINUED = 6;

    // sys/prctl.h
    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int PR_GET_CHILD_SUBREAPER = 37;

    // sys/resource.h (asm-generic numbering: x86-64 and aarch64 alike; alpha, mips and sparc differ)
    static final int RLIMIT_NOFILE = 7;
    /** RLIM_INFINITY, all bits set in an unsigned 64-bit rlim_t. */
    static final long RLIM_INFINITY = -1L;

    // Syscall numbers from the unified table (>= 403), the same on every Linux architecture.
    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURED =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final FunctionDescriptor INT_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor INT_INT_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor INT_VOID = FunctionDescriptor.of(JAVA_INT);
    private static final FunctionDescriptor INT_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS);

    // --- file descriptors
    private static final MethodHandle READ = withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = withErrno("close", INT_INT);
    private static final MethodHandle PIPE2 = withErrno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN = withErrno("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** {@code fcntl} with a pointer argument ({@code F_GETLK}, {@code F_SETLK} and a struct flock). */
    private static final MethodHandle FCNTL_PTR = withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCHMOD = withErrno("fchmod", INT_INT_INT);
    /** {@code ssize_t getdents64(int fd, void *dirp, size_t count)} (glibc >= 2.30); see {@link Layouts#DIRENT64_RECLEN}. */
    private static final MethodHandle GETDENTS64 = withErrno("getdents64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = withErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

    private static final MethodHandle POLL = withErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    // --- pseudo-terminals
    private static final MethodHandle POSIX_OPENPT = withErrno("posix_openpt", INT_INT);
    private static final MethodHandle GRANTPT = withErrno("grantpt", INT_INT);
    private static final MethodHandle UNLOCKPT = withErrno("unlockpt", INT_INT);
    /** Returns 0 or an error number (and sets errno). */
    private static final MethodHandle PTSNAME_R = withErrno("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code int ioctl(int fd, unsigned long request, ...)}, called with one pointer argument. */
    private static final MethodHandle IOCTL_PTR = withErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));

    // --- posix_spawn (these return an error number; errno is not used)
    private static final MethodHandle POSIX_SPAWN = plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = plain("posix_spawn_file_actions_init", INT_PTR);
    private static final MethodHandle FA_DESTROY = plain("posix_spawn_file_actions_destroy", INT_PTR);
    private static final MethodHandle FA_ADDOPEN = plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDDUP2 = plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDCHDIR = plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FA_ADDCLOSEFROM = plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ATTR_INIT = plain("posix_spawnattr_init", INT_PTR);
    private static final MethodHandle ATTR_DESTROY = plain("posix_spawnattr_destroy", INT_PTR);
    private static final MethodHandle ATTR_SETFLAGS = plain("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = plain("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SETSIGDEFAULT = plain("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = plain("sigemptyset", INT_PTR);
    private static final MethodHandle SIGISMEMBER = plain("sigismember", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    // --- processes and signals
    private static final MethodHandle WAITID = withErrno("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle KILL = withErrno("kill", INT_INT_INT);
    private static final MethodHandle KILLPG = withErrno("killpg", INT_INT_INT);
    /** {@code int prctl(int option, ...)}, called with one unsigned long argument. */
    private static final MethodHandle PRCTL = withErrno("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SIGACTION = withErrno("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code long syscall(long number, ...)}: always called with four argument words. */
    private static final MethodHandle SYSCALL = withErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    // glibc >= 2.36 wraps these; older ones fall back to syscall(2).
    private static final Optional<MethodHandle> PIDFD_OPEN = optionalWithErrno("pidfd_open", INT_INT_INT);
    private static final Optional<MethodHandle> PIDFD_SEND_SIGNAL = optionalWithErrno("pidfd_send_signal",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    // --- epoll / eventfd
    private static final MethodHandle EPOLL_CREATE1 = withErrno("epoll_create1", INT_INT);
    private static final MethodHandle EPOLL_CTL = withErrno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = withErrno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD = withErrno("eventfd", INT_INT_INT);

    // --- process-wide state and users
    /** {@code getrlimit(resource, struct rlimit *)} and {@code setrlimit}; see {@link Layouts#RLIMIT}. */
    private static final MethodHandle GETRLIMIT = withErrno("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = withErrno("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle UMASK = plain("umask", INT_INT);
    private static final MethodHandle GETUID = plain("getuid", INT_VOID);
    private static final MethodHandle GETEUID = plain("geteuid", INT_VOID);
    private static final MethodHandle GETGID = plain("getgid", INT_VOID);
    private static final MethodHandle GETEGID = plain("getegid", INT_VOID);
    private static final MethodHandle GETPID = plain("getpid", INT_VOID);
    private static final MethodHandle GETPWNAM_R = plain("getpwnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETPWUID_R = plain("getpwuid_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGRNAM_R = plain("getgrnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGRGID_R = plain("getgrgid_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGROUPLIST = plain("getgrouplist",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETGROUPS = withErrno("setgroups", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SETGID = withErrno("setgid", INT_INT);
    private static final MethodHandle SETUID = withErrno("setuid", INT_INT);
    /** The GNU variant (the default symbol): returns a pointer to the message, maybe not buf. */
    private static final MethodHandle STRERROR_R = plain("strerror_r",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));

    private LibC() {}

    /** The errno captured by the calling thread's last errno-capturing call through this class. */
    static int errno() {
        return (int) ERRNO.get(CAPTURED.get(), 0L);
    }

    /** Returns {@code result}, or throws the captured errno if it is -1. */
    static int check(String call, int result) throws NativeException {
        if (result == -1) {
            throw new NativeException(call, errno());
        }
        return result;
    }

    /** For functions that return 0 or an error number. */
    static void checkReturned(String call, int error) throws NativeException {
        if (error != 0) {
            throw new NativeException(call, error);
        }
    }

    static long read(int fd, MemorySegment buf, long len) {
        try { return (long) READ.invokeExact(CAPTURED.get(), fd, buf, len); } catch (Throwable t) { throw unexpected(t); }
    }

    static long write(int fd, MemorySegment buf, long len) {
        try { return (long) WRITE.invokeExact(CAPTURED.get(), fd, buf, len); } catch (Throwable t) { throw unexpected(t); }
    }

    static int close(int fd) {
        try { return (int) CLOSE.invokeExact(CAPTURED.get(), fd); } catch (Throwable t) { throw unexpected(t); }
    }

    static int pipe2(MemorySegment fds, int flags) {
        try { return (int) PIPE2.invokeExact(CAPTURED.get(), fds, flags); } catch (Throwable t) { throw unexpected(t); }
    }

    static int open(MemorySegment path, int flags, int mode) {
        try { return (int) OPEN.invokeExact(CAPTURED.get(), path, flags, mode); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fcntl(int fd, int cmd, int arg) {
        try { return (int) FCNTL.invokeExact(CAPTURED.get(), fd, cmd, arg); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fcntl(int fd, int cmd, MemorySegment arg) {
        try { return (int) FCNTL_PTR.invokeExact(CAPTURED.get(), fd, cmd, arg); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fchmod(int fd, int mode) { return callIntInt(FCHMOD, fd, mode); }

    static long getdents64(int fd, MemorySegment buf, long len) {
        try { return (long) GETDENTS64.invokeExact(CAPTURED.get(), fd, buf, len); } catch (Throwable t) { throw unexpected(t); }
    }

    static int ftruncate(int fd, long length) {
        try { return (int) FTRUNCATE.invokeExact(CAPTURED.get(), fd, length); } catch (Throwable t) { throw unexpected(t); }
    }

    static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try { return (int) POLL.invokeExact(CAPTURED.get(), fds, nfds, timeoutMillis); } catch (Throwable t) { throw unexpected(t); }
    }

    static int posixOpenpt(int flags) { return callIntErrno(POSIX_OPENPT, flags); }

    static int grantpt(int fd) { return callIntErrno(GRANTPT, fd); }

    static int unlockpt(int fd) { return callIntErrno(UNLOCKPT, fd); }

    static int ptsnameR(int fd, MemorySegment buf, long len) {
        try { return (int) PTSNAME_R.invokeExact(CAPTURED.get(), fd, buf, len); } catch (Throwable t) { throw unexpected(t); }
    }

    static int ioctl(int fd, long request, MemorySegment arg) {
        try { return (int) IOCTL_PTR.invokeExact(CAPTURED.get(), fd, request, arg); } catch (Throwable t) { throw unexpected(t); }
    }

    static int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment actions, MemorySegment attr,
                          MemorySegment argv, MemorySegment envp) {
        try {
            return (int) POSIX_SPAWN.invokeExact(pid, path, actions, attr, argv, envp);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fileActionsInit(MemorySegment actions) { return callPtr(FA_INIT, actions); }

    static int fileActionsDestroy(MemorySegment actions) { return callPtr(FA_DESTROY, actions); }

    static int fileActionsAddOpen(MemorySegment actions, int fd, MemorySegment path, int flags, int mode) {
        try { return (int) FA_ADDOPEN.invokeExact(actions, fd, path, flags, mode); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fileActionsAddDup2(MemorySegment actions, int fd, int newFd) {
        try { return (int) FA_ADDDUP2.invokeExact(actions, fd, newFd); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fileActionsAddChdir(MemorySegment actions, MemorySegment path) {
        try { return (int) FA_ADDCHDIR.invokeExact(actions, path); } catch (Throwable t) { throw unexpected(t); }
    }

    static int fileActionsAddClosefrom(MemorySegment actions, int from) {
        try { return (int) FA_ADDCLOSEFROM.invokeExact(actions, from); } catch (Throwable t) { throw unexpected(t); }
    }

    static int spawnattrInit(MemorySegment attr) { return callPtr(ATTR_INIT, attr); }

    static int spawnattrDestroy(MemorySegment attr) { return callPtr(ATTR_DESTROY, attr); }

    static int spawnattrSetflags(MemorySegment attr, short flags) {
        try { return (int) ATTR_SETFLAGS.invokeExact(attr, flags); } catch (Throwable t) { throw unexpected(t); }
    }

    static int spawnattrSetsigmask(MemorySegment attr, MemorySegment set) {
        try { return (int) ATTR_SETSIGMASK.invokeExact(attr, set); } catch (Throwable t) { throw unexpected(t); }
    }

    static int spawnattrSetsigdefault(MemorySegment attr, MemorySegment set) {
        try { return (int) ATTR_SETSIGDEFAULT.invokeExact(attr, set); } catch (Throwable t) { throw unexpected(t); }
    }

    static int sigemptyset(MemorySegment set) { return callPtr(SIGEMPTYSET, set); }

    static int sigismember(MemorySegment set, int sig) {
        try { return (int) SIGISMEMBER.invokeExact(set, sig); } catch (Throwable t) { throw unexpected(t); }
    }

    static int waitid(int idType, int id, MemorySegment siginfo, int options) {
        try { return (int) WAITID.invokeExact(CAPTURED.get(), idType, id, siginfo, options); } catch (Throwable t) { throw unexpected(t); }
    }

    static int kill(int pid, int sig) { return callIntInt(KILL, pid, sig); }

    static int killpg(int pgid, int sig) { return callIntInt(KILLPG, pgid, sig); }

    static int prctl(int option, long arg) {
        try { return (int) PRCTL.invokeExact(CAPTURED.get(), option, arg); } catch (Throwable t) { throw unexpected(t); }
    }

    /** {@code sigaction(sig, act, oldact)}; either struct may be {@link MemorySegment#NULL}. */
    static int sigaction(int sig, MemorySegment act, MemorySegment oldact) {
        try { return (int) SIGACTION.invokeExact(CAPTURED.get(), sig, act, oldact); } catch (Throwable t) { throw unexpected(t); }
    }

    static int pidfdOpen(int pid, int flags) {
        try {
            if (PIDFD_OPEN.isPresent()) {
                return (int) PIDFD_OPEN.get().invokeExact(CAPTURED.get(), pid, flags);
            }
            return (int) syscall(SYS_PIDFD_OPEN, pid, flags, 0, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int pidfdSendSignal(int pidfd, int sig) {
        try {
            if (PIDFD_SEND_SIGNAL.isPresent()) {
                return (int) PIDFD_SEND_SIGNAL.get().invokeExact(CAPTURED.get(), pidfd, sig, MemorySegment.NULL, 0);
            }
            return (int) syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, sig, 0, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static long syscall(long number, long a, long b, long c, long d) throws Throwable {
        return (long) SYSCALL.invokeExact(CAPTURED.get(), number, a, b, c, d);
    }

    static int epollCreate1(int flags) {
        try { return (int) EPOLL_CREATE1.invokeExact(CAPTURED.get(), flags); } catch (Throwable t) { throw unexpected(t); }
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try { return (int) EPOLL_CTL.invokeExact(CAPTURED.get(), epfd, op, fd, event); } catch (Throwable t) { throw unexpected(t); }
    }

    static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(CAPTURED.get(), epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int eventfd(int initval, int flags) { return callIntInt(EVENTFD, initval, flags); }

    static int getrlimit(int resource, MemorySegment rlimit) {
        try { return (int) GETRLIMIT.invokeExact(CAPTURED.get(), resource, rlimit); } catch (Throwable t) { throw unexpected(t); }
    }

    static int setrlimit(int resource, MemorySegment rlimit) {
        try { return (int) SETRLIMIT.invokeExact(CAPTURED.get(), resource, rlimit); } catch (Throwable t) { throw unexpected(t); }
    }

    static int umask(int mask) {
        try { return (int) UMASK.invokeExact(mask); } catch (Throwable t) { throw unexpected(t); }
    }

    static int getuid() { return callVoid(GETUID); }

    static int geteuid() { return callVoid(GETEUID); }

    static int getgid() { return callVoid(GETGID); }

    static int getegid() { return callVoid(GETEGID); }

    static int getpid() { return callVoid(GETPID); }

    static int getpwnamR(MemorySegment name, MemorySegment pwd, MemorySegment buf, long len, MemorySegment result) {
        try { return (int) GETPWNAM_R.invokeExact(name, pwd, buf, len, result); } catch (Throwable t) { throw unexpected(t); }
    }

    static int getpwuidR(int uid, MemorySegment pwd, MemorySegment buf, long len, MemorySegment result) {
        try { return (int) GETPWUID_R.invokeExact(uid, pwd, buf, len, result); } catch (Throwable t) { throw unexpected(t); }
    }

    static int getgrnamR(MemorySegment name, MemorySegment grp, MemorySegment buf, long len, MemorySegment result) {
        try { return (int) GETGRNAM_R.invokeExact(name, grp, buf, len, result); } catch (Throwable t) { throw unexpected(t); }
    }

    static int getgrgidR(int gid, MemorySegment grp, MemorySegment buf, long len, MemorySegment result) {
        try { return (int) GETGRGID_R.invokeExact(gid, grp, buf, len, result); } catch (Throwable t) { throw unexpected(t); }
    }

    static int getgrouplist(MemorySegment user, int group, MemorySegment groups, MemorySegment ngroups) {
        try { return (int) GETGROUPLIST.invokeExact(user, group, groups, ngroups); } catch (Throwable t) { throw unexpected(t); }
    }

    static int setgroups(long size, MemorySegment list) {
        try { return (int) SETGROUPS.invokeExact(CAPTURED.get(), size, list); } catch (Throwable t) { throw unexpected(t); }
    }

    static int setgid(int gid) {
        try { return (int) SETGID.invokeExact(CAPTURED.get(), gid); } catch (Throwable t) { throw unexpected(t); }
    }

    static int setuid(int uid) {
        try { return (int) SETUID.invokeExact(CAPTURED.get(), uid); } catch (Throwable t) { throw unexpected(t); }
    }

    static MemorySegment strerrorR(int errnum, MemorySegment buf, long len) {
        try { return (MemorySegment) STRERROR_R.invokeExact(errnum, buf, len); } catch (Throwable t) { throw unexpected(t); }
    }

    private static int callPtr(MethodHandle handle, MemorySegment arg) {
        try { return (int) handle.invokeExact(arg); } catch (Throwable t) { throw unexpected(t); }
    }

    private static int callVoid(MethodHandle handle) {
        try { return (int) handle.invokeExact(); } catch (Throwable t) { throw unexpected(t); }
    }

    private static int callIntErrno(MethodHandle errnoHandle, int a) {
        try { return (int) errnoHandle.invokeExact(CAPTURED.get(), a); } catch (Throwable t) { throw unexpected(t); }
    }

    private static int callIntInt(MethodHandle errnoHandle, int a, int b) {
        try { return (int) errnoHandle.invokeExact(CAPTURED.get(), a, b); } catch (Throwable t) { throw unexpected(t); }
    }

    private static MethodHandle plain(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol(name), descriptor, all);
    }

    private static Optional<MethodHandle> optionalWithErrno(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO));
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** Downcalls throw nothing checked; anything that escapes is a bug in a signature here. */
    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
