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
    /** A value quoted in an error message longer than this is shown by its start, its end and its length. */
    public static final int QUOTED_CHARS = 200;

    private Limits() {
    }

    /** {@code 3145728 bytes (3 MiB)}: a limit in bytes as people read it. */
    static String bytes(long n) {
        return n % (1 << 20) == 0 ? n + " bytes (" + (n >> 20) + " MiB)" : n + " bytes";
    }
}
