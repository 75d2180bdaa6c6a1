package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A pseudo-terminal pair: the master, which the daemon keeps (it reads what the program writes
 * and writes what the user types), and the slave's path, which the child opens as its stdin,
 * stdout and stderr (see {@link Stdio.Terminal}) and so gets as its controlling terminal.
 * The slave is never opened in the daemon: when the last process holding it exits, reading the
 * master fails with EIO, which is the terminal's end of file.
 *
 * <p>Threading: an immutable value; the master is an open descriptor owned by the caller
 * (close-on-exec, blocking until {@link Fds#setNonBlocking} says otherwise).
 */
public record Pty(int master, Path slave) {

    /** Rows and columns a terminal gets until someone attached says otherwise: the VT100's. */
    public static final int DEFAULT_ROWS = 24;
    public static final int DEFAULT_COLS = 80;

    /** Opens a new pair, sized {@code rows} × {@code cols}. */
    public static Pty open(int rows, int cols) throws NativeException {
        // O_NOCTTY: the daemon must never acquire the terminal it hands out.
        int master = LibC.check("posix_openpt", LibC.posixOpenpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC));
        try (Arena arena = Arena.ofConfined()) {
            LibC.check("grantpt", LibC.grantpt(master));
            LibC.check("unlockpt", LibC.unlockpt(master));
            MemorySegment name = arena.allocate(128);
            int error = LibC.ptsnameR(master, name, name.byteSize());
            if (error != 0) {
                throw new NativeException("ptsname_r", error);
            }
            Pty pty = new Pty(master, Path.of(name.getString(0)));
            resize(master, rows, cols);
            return pty;
        } catch (NativeException | RuntimeException e) {
            Fds.closeQuietly(master);
            throw e;
        }
    }

    /**
     * Sets the window size of the terminal behind {@code masterFd} (TIOCSWINSZ); the kernel then
     * sends SIGWINCH to the terminal's foreground process group.
     */
    public static void resize(int masterFd, int rows, int cols) throws NativeException {
        if (rows < 1 || cols < 1 || rows > 0xFFFF || cols > 0xFFFF) {
            throw new IllegalArgumentException("terminal size out of range: " + rows + "x" + cols);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2); // struct winsize: four unsigned shorts
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            LibC.check("ioctl(TIOCSWINSZ)", LibC.ioctl(masterFd, LibC.TIOCSWINSZ, ws));
        }
    }

    /** The window size as {rows, cols} (TIOCGWINSZ). */
    public static int[] size(int masterFd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2);
            LibC.check("ioctl(TIOCGWINSZ)", LibC.ioctl(masterFd, LibC.TIOCGWINSZ, ws));
            return new int[] {Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2))};
        }
    }
}
