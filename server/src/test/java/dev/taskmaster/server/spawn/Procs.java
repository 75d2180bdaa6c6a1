package dev.taskmaster.server.spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.DirectoryStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What /proc says about processes, for tests. */
final class Procs {

    private Procs() {
    }

    /** Fields of /proc/PID/stat after the command name: [0]=state, [1]=ppid, [2]=pgrp, [3]=session. */
    static String[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null; // gone
        }
    }

    static boolean alive(long pid) {
        String[] st = stat(pid);
        return st != null && !st[0].equals("Z");
    }

    /** Pids of every live process whose process group is {@code pgid}. */
    static List<Long> inGroup(long pgid) {
        return matching(st -> Long.parseLong(st[2]) == pgid && !st[0].equals("Z"));
    }

    /** Zombie children of {@code parent}. */
    static List<Long> zombiesOf(long parent) {
        return matching(st -> Long.parseLong(st[1]) == parent && st[0].equals("Z"));
    }

    /**
     * Every open descriptor of this JVM, by number, with what it points to ({@code pipe:[…]},
     * {@code anon_inode:[pidfd]}, a path…). The descriptor of the listing itself is left out.
     */
    static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : dir) {
                try {
                    fds.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // gone between the listing and the look: not open any more
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // The listing's own descriptor points at the fd directory being read.
        fds.values().removeIf(target -> target.matches("/proc/\\d+/fd"));
        return fds;
    }

    /** Descriptors open in {@code after} that were not open, or pointed elsewhere, in {@code before}. */
    static Map<Integer, String> added(Map<Integer, String> before, Map<Integer, String> after) {
        Map<Integer, String> added = new TreeMap<>(after);
        added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return added;
    }

    private static List<Long> matching(java.util.function.Predicate<String[]> test) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    String[] st = stat(Long.parseLong(name));
                    if (st != null && test.test(st)) {
                        out.add(Long.parseLong(name));
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
