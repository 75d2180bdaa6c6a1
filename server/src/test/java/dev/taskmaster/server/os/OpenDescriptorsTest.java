package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OpenDescriptorsTest {

    /**
     * Each pipe is two more descriptors, exactly. Other threads of this JVM may open or close one
     * between two counts, so a differing delta is tried again, a few times at most.
     */
    @Test
    void countsEveryDescriptorAndNotItsOwn() throws Exception {
        int attempts = 0;
        while (true) {
            attempts++;
            int before = OpenDescriptors.count();
            List<Pipe> pipes = new ArrayList<>();
            try {
                for (int i = 0; i < 150; i++) {
                    pipes.add(Pipe.create());
                }
                int during = OpenDescriptors.count();
                if (during - before == 300 || attempts == 5) {
                    assertThat(during - before).isEqualTo(300);
                    break;
                }
            } finally {
                for (Pipe p : pipes) {
                    Fds.close(p.readFd());
                    Fds.close(p.writeFd());
                }
            }
        }
    }

    @Test
    void countMatchesTheDescriptorsListedByTheKernel() throws Exception {
        // The JDK's own listing holds descriptors of its own while it reads: at least one, so never fewer.
        int listed;
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            listed = (int) fds.count();
        }
        int counted = OpenDescriptors.count();
        assertThat(counted).isPositive().isLessThan(listed);
    }
}
