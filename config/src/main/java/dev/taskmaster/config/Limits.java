package dev.taskmaster.config;

/**
 * The bounds every configuration must keep, so that no file, by mistake or by malice, can stall
 * or exhaust the daemon that reads it: reading, parsing and checking a configuration within these
 * bounds takes well under a second and a few tens of megabytes. Documented in
 * {@code docs/configuration.md}, section "Limits"; each is reported at the place it is exceeded.
 */
public final class Limits {

    /** Bytes of one file, comments and blank lines included (3 MiB). */
    public static final int FILE_BYTES = 3 << 20;
    /** Bytes of all the files of one configuration together, the main file and every include (16 MiB). */
    public static final long TOTAL_BYTES = 16L << 20;
    /** Files in one configuration: the main file and every file it includes, directly or not. */
    public static final int FILES = 1000;
    /** Files in one chain of includes: the main file including a file that includes a file… (20 in all). */
    public static final int INCLUDE_DEPTH = 20;
    /** Mappings and lists inside one another, the top-level mapping included. */
    public static final int NESTING = 50;
    /**
     * YAML nodes (keys, values, list items; not aliases) in all the files together: some 200 bytes
     * of memory each while they are read, and room for over 10,000 programs.
     */
    public static final int NODES = 200_000;
    /**
     * Characters of all the files together once every alias ({@code *name}) is replaced by what
     * its anchor names (each node counting one more): bounds the "billion laughs", where aliases
     * of aliases make a small file stand for an enormous one (32 Mi).
     */
    public static final long EXPANDED_CHARS = 32L << 20;
    /** Errors reported for one configuration; the rest are counted, not listed. */
    public static final int ERRORS = 1000;
    /**
     * Characters of a program or group name. Names are typed in commands and make the names of
     * log files; with {@link #INSTANCE_NAME_CHARS} a default instance name ({@code name:9999})
     * stays far within it.
     */
    public static final int NAME_CHARS = 200;
    /**
     * Characters of an instance name (what {@code process_name} makes): its longest log file,
     * {@code <instance>.stderr.log.1000} (the last of 1000 backups), must fit in the 255 bytes
     * Linux allows one file name (NAME_MAX), or the process could never log and would not start.
     */
    public static final int INSTANCE_NAME_CHARS = 255 - ".stderr.log.1000".length();
    /**
     * Bytes of one argument or one {@code NAME=value} of the environment that the kernel passes
     * to a program (MAX_ARG_STRLEN, 32 pages): exec refuses a longer one (E2BIG).
     */
    public static final int EXEC_STRING_BYTES = 128 << 10;
    /**
     * Bytes of a program's arguments and the variables of its {@code env} together (each with its
     * terminating NUL): Linux's ARG_MAX for the usual 8 MiB stack. exec refuses more (E2BIG), so
     * a program over it could never start; the daemon's own environment, added at start, must fit
     * in what is left.
     */
    public static final int EXEC_BYTES = 2 << 20;
    /** A value quoted in an error message longer than this is shown by its start, its end and its length. */
    public static final int QUOTED_CHARS = 200;

    private Limits() {
    }

    /** How many bytes {@code s} takes in UTF-8, without encoding it (a lone surrogate counts as the 2 of its pair's half). */
    public static long utf8Bytes(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /** {@code 3145728 bytes (3 MiB)}: a limit in bytes as people read it. */
    public static String bytes(long n) {
        return n % (1 << 20) == 0 ? n + " bytes (" + (n >> 20) + " MiB)" : n + " bytes";
    }
}
