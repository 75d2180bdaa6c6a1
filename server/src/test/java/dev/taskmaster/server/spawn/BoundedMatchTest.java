package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Review finding 5: a match on a command line another user crafted ends, and looks at 4 KiB at most. */
class BoundedMatchTest {

    @Test
    void aCatastrophicPatternEndsAtItsLimit() {
        // Unbounded, this takes seconds at 28 characters and years at a few hundred.
        String hostile = "a".repeat(400) + "!";
        long start = System.nanoTime();
        assertThat(BoundedMatch.find(Pattern.compile("^(.*a){20}$"), hostile, Duration.ofMillis(100))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anOrdinaryPatternMatchesWithinTheFirst4KiB() {
        Pattern p = Pattern.compile("dockerd( |$)");
        assertThat(BoundedMatch.find(p, "/usr/bin/dockerd -H fd://", Duration.ofMillis(100))).isTrue();
        assertThat(BoundedMatch.find(p, "x".repeat(BoundedMatch.MAX_TEXT) + " dockerd", Duration.ofMillis(100)))
                .as("beyond 4 KiB").isFalse();
        assertThat(BoundedMatch.find(Pattern.compile("(a)(b)"), "xxab", Duration.ofMillis(100))).isTrue();
    }
}
