package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** RLIMIT_NOFILE through getrlimit/setrlimit, checked against what the kernel shows in /proc/self/limits. */
class ResourceLimitsTest {

    @Test
    void readsWhatTheKernelShows() throws Exception {
        assertThat(ResourceLimits.openFiles()).isEqualTo(fromProc());
    }

    @Test
    void raisesTheSoftLimitToTheHardOneAndReportsBoth() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        // Lowered a little only, never near what this JVM holds: other tests run in it.
        long lowered = original.hard() - 100;
        assumeThat(lowered).as("a hard limit with room to lower the soft one").isGreaterThan(OpenDescriptors.count() + 1000L);
        try {
            ResourceLimits.setOpenFiles(new ResourceLimits.Limit(lowered, original.hard()));
            assertThat(fromProc()).isEqualTo(new ResourceLimits.Limit(lowered, original.hard()));

            ResourceLimits.Raise raise = ResourceLimits.raiseOpenFiles();

            assertThat(raise.before()).isEqualTo(new ResourceLimits.Limit(lowered, original.hard()));
            assertThat(raise.after()).isEqualTo(new ResourceLimits.Limit(original.hard(), original.hard()));
            assertThat(raise.raised()).isTrue();
            assertThat(fromProc()).isEqualTo(raise.after());

            ResourceLimits.Raise again = ResourceLimits.raiseOpenFiles();
            assertThat(again.raised()).isFalse();
            assertThat(again.before()).isEqualTo(again.after()).isEqualTo(raise.after());
        } finally {
            ResourceLimits.setOpenFiles(original);
        }
        assertThat(ResourceLimits.openFiles()).isEqualTo(original);
    }

    @Test
    void aSoftLimitAboveTheHardOneIsRefusedWithTheCallAndErrno() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        assertThatThrownBy(() -> ResourceLimits.setOpenFiles(new ResourceLimits.Limit(original.hard(), original.hard() - 1)))
                .isInstanceOf(NativeException.class)
                .hasMessage("setrlimit(RLIMIT_NOFILE): Invalid argument (EINVAL)");
        assertThat(ResourceLimits.openFiles()).isEqualTo(original);
    }

    @Test
    void describesOneOrBothLimits() {
        assertThat(new ResourceLimits.Limit(1024, 524288).describe()).isEqualTo("1024 (hard 524288)");
        assertThat(new ResourceLimits.Limit(4096, 4096).describe()).isEqualTo("4096");
        assertThat(new ResourceLimits.Limit(1024, ResourceLimits.UNLIMITED).describe()).isEqualTo("1024 (hard unlimited)");
        assertThatThrownBy(() -> new ResourceLimits.Limit(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    /** "Max open files            1024                 524288               files". */
    private static ResourceLimits.Limit fromProc() throws Exception {
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        String[] words = line.substring("Max open files".length()).strip().split("\\s+");
        return new ResourceLimits.Limit(count(words[0]), count(words[1]));
    }

    private static long count(String word) {
        return word.equals("unlimited") ? ResourceLimits.UNLIMITED : Long.parseLong(word);
    }
}
