package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a re-exec needs of the kernel: {@code execve} of this very process, {@code memfd_create}
 * for the handover, and {@code close_range(CLOSE_RANGE_CLOEXEC)} to mark every descriptor
 * close-on-exec at once before the ones to keep are cleared again.
 *
 * <p>Threading: any thread. {@link #execve} does not return when it succeeds.
 */
@SuppressWarnings("restricted")
public final class Exec {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));
    private static final MethodHandle EXECVE = link("execve", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MEMFD_CREATE = link("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE_RANGE = link("close_range",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    /** linux/close_range.h */
    private static final int CLOSE_RANGE_CLOEXEC = 1 << 2;
    /** linux/memfd.h: the handover may be sealed against writes once written. */
    public static final int MFD_ALLOW_SEALING = 2;

    private Exec() {
    }

    private static MethodHandle link(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no " + name)), d, CAPTURE);
    }

    /**
     * Replaces this process's program. Returns only on failure, with the errno as an exception:
     * the process is then untouched (execve fails before the point of no return or not at all).
     */
    public static NativeException execve(String path, List<String> argv, List<String> envp) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) EXECVE.invokeExact(state, arena.allocateFrom(path, StandardCharsets.UTF_8), strings(arena, argv),
                    strings(arena, envp));
            return new NativeException("execve " + path, r == -1 ? (int) ERRNO.get(state, 0L) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("execve: " + t, t);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i), StandardCharsets.UTF_8));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    /** An anonymous memory file named {@code name} (shown as {@code /memfd:name} in /proc), without close-on-exec. */
    public static int memfdCreate(String name, int flags) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int fd = (int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name, StandardCharsets.UTF_8), flags);
            if (fd == -1) {
                throw new NativeException("memfd_create", (int) ERRNO.get(state, 0L));
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("memfd_create: " + t, t);
        }
    }

    /** Marks every descriptor from {@code first} on close-on-exec (Linux 5.11). */
    public static void closeOnExecFrom(int first) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) CLOSE_RANGE.invokeExact(state, first, -1, CLOSE_RANGE_CLOEXEC);
            if (r == -1) {
                throw new NativeException("close_range", (int) ERRNO.get(state, 0L));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close_range: " + t, t);
        }
    }
}
