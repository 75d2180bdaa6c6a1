package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Group database look-ups through glibc, so NSS sources count as they do for {@link Users}.
 *
 * <p>Threading: any thread (the reentrant {@code _r} variants are used).
 */
public final class Groups {

    private static final long INITIAL_BUFFER = 1024;
    private static final long MAX_BUFFER = 1 << 22; // a group with many members has a long member list

    private Groups() {}

    /**
     * Looks up a group by name, or by gid when {@code nameOrGid} is all digits.
     *
     * @return empty when there is no such group
     * @throws NativeException when the group database itself fails
     */
    public static Optional<GroupInfo> lookup(String nameOrGid) throws NativeException {
        if (nameOrGid.isEmpty() || nameOrGid.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        boolean numeric = nameOrGid.chars().allMatch(c -> c >= '0' && c <= '9');
        int gid = 0;
        if (numeric) {
            try {
                gid = Integer.parseUnsignedInt(nameOrGid);
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment grp = arena.allocate(Layouts.GROUP);
            MemorySegment result = arena.allocate(ADDRESS);
            MemorySegment name = numeric ? MemorySegment.NULL : arena.allocateFrom(nameOrGid);
            String call = numeric ? "getgrgid_r" : "getgrnam_r";
            for (long size = INITIAL_BUFFER; ; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                int error = numeric
                        ? LibC.getgrgidR(gid, grp, buf, size, result)
                        : LibC.getgrnamR(name, grp, buf, size, result);
                if (error == Errno.ERANGE && size < MAX_BUFFER) {
                    continue;
                }
                if (error == 0) {
                    return result.get(ADDRESS, 0).equals(MemorySegment.NULL) ? Optional.empty()
                            : Optional.of(new GroupInfo(string(grp, Layouts.GR_NAME), grp.get(JAVA_INT, Layouts.GR_GID)));
                }
                // getgrnam(3): these mean "not found" on some NSS back-ends.
                if (error == Errno.ENOENT || error == Errno.ESRCH || error == Errno.EBADF || error == Errno.EPERM) {
                    return Optional.empty();
                }
                throw new NativeException(call, error);
            }
        }
    }

    @SuppressWarnings("restricted") // group fields point at NUL-terminated strings
    private static String string(MemorySegment struct, long offset) {
        MemorySegment p = struct.get(ADDRESS, offset);
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
