package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.RepeatedTest;

/** The last resort for a child that cannot be watched: it and its group are killed and reaped, no zombie left. */
class PidFdKillAndReapTest {

    @RepeatedTest(5)
    void theChildAndItsGroupAreGoneAndReaped() throws Exception {
        // A shell (its own session and group, as every spawn) with a grandchild in its group.
        int pid = PosixSpawn.spawn(Children.sh("sleep 60 & exec sleep 60"));
        Path proc = Path.of("/proc", Integer.toString(pid));
        assertThat(proc).exists();

        PidFd.killAndReap(pid);

        assertThat(proc).as("reaped: not even a zombie").doesNotExist();
        // The grandchild got SIGKILL too: no process is left in the group.
        long deadline = System.nanoTime() + Children.DEADLINE.toNanos();
        while (groupMembers(pid) > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(groupMembers(pid)).isZero();
    }

    private static long groupMembers(int pgid) throws Exception {
        try (var dirs = Files.list(Path.of("/proc"))) {
            return dirs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).filter(d -> {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Integer.parseInt(f[2]) == pgid && !f[0].equals("Z"); // pgrp is field 5
                } catch (Exception gone) {
                    return false;
                }
            }).count();
        }
    }
}
