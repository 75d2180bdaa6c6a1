package dev.taskmaster.server.os;

import java.io.IOException;

/**
 * A C library call failed. Carries the call's name and the errno it reported, so callers can
 * tell, say, {@code ESRCH} (the process is gone) from {@code EPERM}. The message reads
 * {@code posix_spawn: No such file or directory (ENOENT)}.
 *
 * <p>Threading: immutable.
 */
public final class NativeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno) {
        super(call + ": " + Errno.describe(errno) + " (" + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The C function that failed, e.g. {@code posix_spawn}. */
    public String call() {
        return call;
    }

    /** The error number the call reported. */
    public int errno() {
        return errno;
    }

    /** The error's symbolic name, e.g. {@code ENOENT}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
