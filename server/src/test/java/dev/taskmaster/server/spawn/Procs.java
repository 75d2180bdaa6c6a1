package dev.taskmaster.server.spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
     * Open pipes and pidfds of this JVM: what a spawn creates, and so what a leaking spawn
     * would leave behind. Other descriptors (jars, sockets of other tests) come and go on their own.
     */
    static long openPipesAndPidfds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("pipe:") || target.equals("anon_inode:[pidfd]");
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            }).count();
        }
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
