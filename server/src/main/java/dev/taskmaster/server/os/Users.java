package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * User database look-ups through glibc (so NSS sources such as LDAP or systemd-userdb count,
 * not only /etc/passwd).
 *
 * <p>Threading: any thread (the reentrant {@code _r} variants are used).
 */
public final class Users {

    private static final long INITIAL_BUFFER = 1024;
    private static final long MAX_BUFFER = 1 << 20;
    private static final int INITIAL_GROUPS = 32;

    private Users() {}

    /**
     * Looks up a user by name, or by uid when {@code nameOrUid} is all digits.
     *
     * @return empty when there is no such user
     * @throws NativeException when the user database itself fails (e.g. EIO, EMFILE)
     */
    public static Optional<UserInfo> lookup(String nameOrUid) throws NativeException {
        if (nameOrUid.isEmpty() || nameOrUid.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        boolean numeric = nameOrUid.chars().allMatch(c -> c >= '0' && c <= '9');
        int uid = 0;
        if (numeric) {
            try {
                uid = Integer.parseUnsignedInt(nameOrUid);
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pwd = arena.allocate(Layouts.PASSWD);
            MemorySegment result = arena.allocate(ADDRESS);
            MemorySegment name = numeric ? MemorySegment.NULL : arena.allocateFrom(nameOrUid);
            String call = numeric ? "getpwuid_r" : "getpwnam_r";
            for (long size = INITIAL_BUFFER; ; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                int error = numeric
                        ? LibC.getpwuidR(uid, pwd, buf, size, result)
                        : LibC.getpwnamR(name, pwd, buf, size, result);
                if (error == Errno.ERANGE && size < MAX_BUFFER) {
                    continue;
                }
                if (error == 0) {
                    return result.get(ADDRESS, 0).equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(read(pwd));
                }
                // getpwnam(3): these mean "not found" on some NSS back-ends.
                if (error == Errno.ENOENT || error == Errno.ESRCH || error == Errno.EBADF || error == Errno.EPERM) {
                    return Optional.empty();
                }
                throw new NativeException(call, error);
            }
        }
    }

    /** The user's groups (primary first) as {@code getgrouplist} reports them from /etc/group and NSS. */
    public static List<Integer> supplementaryGroups(UserInfo user) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(user.name());
            MemorySegment count = arena.allocate(JAVA_INT);
            int capacity = INITIAL_GROUPS;
            while (true) {
                MemorySegment groups = arena.allocate(JAVA_INT, capacity);
                count.set(JAVA_INT, 0, capacity);
                int n = LibC.getgrouplist(name, user.gid(), groups, count);
                if (n >= 0) {
                    List<Integer> list = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        list.add(groups.getAtIndex(JAVA_INT, i));
                    }
                    return List.copyOf(list);
                }
                // Too small: glibc stored the size it needs in *ngroups.
                int needed = count.get(JAVA_INT, 0);
                if (needed <= capacity && capacity >= 65536) {
                    throw new NativeException("getgrouplist", Errno.ERANGE);
                }
                capacity = Math.max(needed, capacity * 2);
            }
        }
    }

    private static UserInfo read(MemorySegment pwd) {
        return new UserInfo(
                string(pwd, Layouts.PW_NAME),
                pwd.get(JAVA_INT, Layouts.PW_UID),
                pwd.get(JAVA_INT, Layouts.PW_GID),
                Path.of(string(pwd, Layouts.PW_DIR)),
                string(pwd, Layouts.PW_SHELL));
    }

    @SuppressWarnings("restricted") // passwd fields point at NUL-terminated strings
    private static String string(MemorySegment struct, long offset) {
        MemorySegment p = struct.get(ADDRESS, offset);
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
