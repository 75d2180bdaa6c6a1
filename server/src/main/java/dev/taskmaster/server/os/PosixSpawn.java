package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * Starts programs with glibc's {@code posix_spawn} (a vfork-style clone, then exec), which,
 * unlike {@code ProcessBuilder}, can start a new session and hand the child any descriptor.
 *
 * <p>The child always starts clean: an empty signal mask, every signal but SIGKILL and SIGSTOP
 * at its default disposition (the JVM ignores and blocks some), and no descriptor other than
 * 0, 1 and 2 ({@code closefrom(3)} in the child, so descriptors the JVM opened without
 * close-on-exec cannot leak either).
 *
 * <p>Failures of the exec itself (ENOENT, EACCES, ENOEXEC, ETXTBSY, …) and of a file action
 * (a missing working directory gives ENOENT or ENOTDIR, an unwritable log file EACCES) come
 * back from {@code posix_spawn} as its return value and are thrown as a
 * {@link NativeException} with call {@code posix_spawn}; no child is left behind then.
 *
 * <p>Threading: {@link #spawn} may be called from many threads at once. The calling thread
 * blocks until the child has called exec (typically well under a millisecond).
 */
public final class PosixSpawn {

    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    private static final int APPEND_MODE = 0644;

    private PosixSpawn() {}

    /**
     * Starts {@code request.executable()} and returns the child's pid. The child must be reaped
     * by the caller (see {@link PidFd}); until it is, its pid cannot be reused, so opening a
     * pidfd right after this returns is race-free.
     */
    public static int spawn(SpawnRequest request) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(Layouts.SPAWN_FILE_ACTIONS_SIZE, Layouts.SPAWN_OPAQUE_ALIGN);
            MemorySegment attr = arena.allocate(Layouts.SPAWNATTR_SIZE, Layouts.SPAWN_OPAQUE_ALIGN);
            LibC.checkReturned("posix_spawn_file_actions_init", LibC.fileActionsInit(actions));
            try {
                LibC.checkReturned("posix_spawnattr_init", LibC.spawnattrInit(attr));
                try {
                    setAttributes(arena, attr, request.newSession());
                    addFileActions(arena, actions, request);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int error = LibC.posixSpawn(pid, arena.allocateFrom(request.executable().toString()),
                            actions, attr, cStrings(arena, request.argv()), environment(arena, request.env()));
                    LibC.checkReturned("posix_spawn", error);
                    return pid.get(JAVA_INT, 0);
                } finally {
                    LibC.spawnattrDestroy(attr);
                }
            } finally {
                LibC.fileActionsDestroy(actions);
            }
        }
    }

    private static void setAttributes(Arena arena, MemorySegment attr, boolean newSession) throws NativeException {
        MemorySegment empty = arena.allocate(Layouts.SIGSET_SIZE, 8);
        LibC.checkReturned("sigemptyset", LibC.sigemptyset(empty));
        LibC.checkReturned("posix_spawnattr_setsigmask", LibC.spawnattrSetsigmask(attr, empty));

        // Every signal 1..64 but SIGKILL and SIGSTOP goes back to SIG_DFL: dispositions set to
        // "ignore" survive exec. Set by hand rather than with sigfillset, which leaves out
        // glibc's internal signals 32 and 33; posix_spawn then sets those to SIG_IGN in the
        // child, and a program would start with two real-time signals ignored.
        MemorySegment defaults = arena.allocate(Layouts.SIGSET_SIZE, 8);
        Layouts.setSignals(defaults, ~(bit(SIGKILL) | bit(SIGSTOP)));
        LibC.checkReturned("posix_spawnattr_setsigdefault", LibC.spawnattrSetsigdefault(attr, defaults));

        short flags = (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF
                | (newSession ? LibC.POSIX_SPAWN_SETSID : 0));
        LibC.checkReturned("posix_spawnattr_setflags", LibC.spawnattrSetflags(attr, flags));
    }

    /**
     * File actions run in order in the child: stdio first, then chdir, then closefrom(3).
     * A {@link Stdio.Fd} whose source is itself 0, 1 or 2 (say stderr = the daemon's stdout)
     * would be clobbered if an earlier action replaced that descriptor, so such sources are first
     * copied above every descriptor involved; closefrom(3) removes those copies again.
     */
    private static void addFileActions(Arena arena, MemorySegment actions, SpawnRequest request)
            throws NativeException {
        List<Stdio> stdio = List.of(request.stdin(), request.stdout(), request.stderr());
        int spare = 3;
        for (Stdio s : stdio) {
            if (s instanceof Stdio.Fd(int source)) {
                spare = Math.max(spare, source + 1);
            }
        }
        int[] sources = new int[3];
        for (int target = 0; target < 3; target++) {
            if (stdio.get(target) instanceof Stdio.Fd(int source)) {
                if (source < 3 && source != target) {
                    dup2(actions, source, spare);
                    sources[target] = spare++;
                } else {
                    sources[target] = source;
                }
            }
        }
        for (int target = 0; target < 3; target++) {
            switch (stdio.get(target)) {
                case Stdio.DevNull() -> open(arena, actions, target, "/dev/null", LibC.O_RDWR, 0);
                case Stdio.AppendFile(var path) -> open(arena, actions, target, path.toString(),
                        LibC.O_WRONLY | LibC.O_APPEND | LibC.O_CREAT, APPEND_MODE);
                case Stdio.ReadFile(var path) -> open(arena, actions, target, path.toString(), LibC.O_RDONLY, 0);
                case Stdio.Terminal(var slave) -> {
                    if (target > 0 && stdio.get(0).equals(stdio.get(target))) {
                        dup2(actions, 0, target);
                    } else {
                        open(arena, actions, target, slave.toString(), LibC.O_RDWR, 0);
                    }
                }
                case Stdio.Inherit() -> { }
                // dup2 onto itself is how glibc (>= 2.29) is asked to clear FD_CLOEXEC.
                case Stdio.Fd(int ignored) -> dup2(actions, sources[target], target);
            }
        }
        if (request.workingDir().isPresent()) {
            LibC.checkReturned("posix_spawn_file_actions_addchdir_np",
                    LibC.fileActionsAddChdir(actions, arena.allocateFrom(request.workingDir().get().toString())));
        }
        LibC.checkReturned("posix_spawn_file_actions_addclosefrom_np", LibC.fileActionsAddClosefrom(actions, 3));
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    private static void open(Arena arena, MemorySegment actions, int target, String path, int flags, int mode)
            throws NativeException {
        // No O_CLOEXEC: if the file happens to open directly on the target descriptor, glibc
        // does not dup2 it, and the flag would close the child's stdio at exec.
        LibC.checkReturned("posix_spawn_file_actions_addopen",
                LibC.fileActionsAddOpen(actions, target, arena.allocateFrom(path), flags, mode));
    }

    private static void dup2(MemorySegment actions, int source, int target) throws NativeException {
        LibC.checkReturned("posix_spawn_file_actions_adddup2", LibC.fileActionsAddDup2(actions, source, target));
    }

    private static MemorySegment environment(Arena arena, Map<String, String> env) {
        return cStrings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    /** A NULL-terminated array of C strings, all allocated in {@code arena}. */
    private static MemorySegment cStrings(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L); // zeroed: last is NULL
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        return array;
    }
}
