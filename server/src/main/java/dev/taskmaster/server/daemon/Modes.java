package dev.taskmaster.server.daemon;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits as numbers, for messages and for NIO. Threading: stateless. */
final class Modes {

    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private Modes() {
    }

    /** {@code 0755} as NIO's set (bit n of the mode is {@code BITS[n]}). */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(BITS[i]);
            }
        }
        return set;
    }

    /** {@code 0755}, {@code 1777}: four octal digits, as chmod takes them. */
    static String octal(int mode) {
        return String.format("%04o", mode & 07777);
    }

    /** Who besides the owner may write, for a message: "group", "others" or "group and others". */
    static String writers(int mode) {
        boolean group = (mode & 020) != 0;
        boolean others = (mode & 002) != 0;
        return group && others ? "group and others" : group ? "group" : "others";
    }
}
