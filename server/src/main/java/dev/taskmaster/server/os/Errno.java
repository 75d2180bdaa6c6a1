package dev.taskmaster.server.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Linux errno numbers (the generic numbering used by x86-64 and aarch64), their symbolic
 * names, and their C library descriptions.
 *
 * <p>Threading: stateless; every method may be called from any thread.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;

    /** Index = errno; from asm-generic/errno-base.h and errno.h (41 and 58 are unused). */
    private static final String[] NAMES = ("- EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD"
            + " EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE"
            + " EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG"
            + " ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH"
            + " ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR ENODATA ETIME ENOSR"
            + " ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW"
            + " ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE"
            + " EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT"
            + " ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN"
            + " ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN"
            + " ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE"
            + " EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY"
            + " EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON").split(" ");

    private Errno() {}

    /** Errors a write to a file ends with, whose text {@link #ioReason} names. */
    private static final int[] WRITE_ERRNOS = {28, 122, 27, 5, 30}; // ENOSPC EDQUOT EFBIG EIO EROFS

    /**
     * A failed file write in one line, with the errno's name when the JDK's message is the C
     * library's text of one a write ends with: {@code no space left on device (ENOSPC)}.
     */
    public static String ioReason(Throwable e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        for (int errno : WRITE_ERRNOS) {
            if (m.equals(describe(errno))) {
                return Character.toLowerCase(m.charAt(0)) + m.substring(1) + " (" + name(errno) + ")";
            }
        }
        return m;
    }

    /** The symbolic name, e.g. {@code ENOENT}; {@code errno 4242} for numbers Linux does not define. */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length && !NAMES[errno].equals("-")) {
            return NAMES[errno];
        }
        return "errno " + errno;
    }

    /** The C library's message, e.g. {@code No such file or directory} (strerror_r, C locale text). */
    @SuppressWarnings("restricted") // the returned pointer is to a NUL-terminated string
    public static String describe(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            // GNU strerror_r returns either buf or a pointer to a static, immutable string.
            MemorySegment message = LibC.strerrorR(errno, buf, buf.byteSize());
            return message.reinterpret(1024).getString(0);
        }
    }
}
