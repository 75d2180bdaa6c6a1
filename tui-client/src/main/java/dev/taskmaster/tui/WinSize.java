package dev.taskmaster.tui;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The terminal's size from the kernel ({@code ioctl(TIOCGWINSZ)}), instead of Lanterna's
 * default of moving the cursor far away and asking the terminal where it ended up: that answer
 * arrives as input, which a console attach would forward to the program.
 */
final class WinSize {

    /** Same value on x86-64 and arm64 (asm-generic). */
    private static final long TIOCGWINSZ = 0x5413;
    private static final MethodHandle IOCTL = link();

    record Size(int rows, int cols) {}

    private WinSize() {}

    private static MethodHandle link() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("ioctl").map(addr -> linker.downcallHandle(addr,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access: callers fall back to a default size
        }
    }

    /** The size of the terminal on stdout, else stdin; empty when neither is a terminal. */
    static Optional<Size> query() {
        if (IOCTL == null) {
            return Optional.empty();
        }
        for (int fd : new int[] {1, 0}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ws = arena.allocate(8, 2); // struct winsize: four unsigned shorts
                int rc = (int) IOCTL.invokeExact(fd, TIOCGWINSZ, ws);
                int rows = ws.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
                int cols = ws.get(ValueLayout.JAVA_SHORT, 2) & 0xffff;
                if (rc == 0 && rows > 0 && cols > 0) {
                    return Optional.of(new Size(rows, cols));
                }
            } catch (Throwable e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
