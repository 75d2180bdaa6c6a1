package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAttemptsTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final FailedAttempts attempts = new FailedAttempts(now::get);

    static InetAddress address(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void fiveFailuresInAMinuteThenRefusedUntilOneComesBack() throws Exception {
        InetAddress a = address("127.0.0.7");
        for (int i = 0; i < FailedAttempts.BURST; i++) {
            assertThat(attempts.refusedFor(a)).as("before failure %d", i + 1).isZero();
            attempts.failed(a);
            advance(Duration.ofSeconds(1));
        }
        // 5 failures within 5 s: one token has not yet come back (12 s each).
        Duration wait = attempts.refusedFor(a);
        assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(12));
        advance(wait.minusMillis(1));
        assertThat(attempts.refusedFor(a)).isPositive();
        advance(Duration.ofMillis(2));
        assertThat(attempts.refusedFor(a)).isZero();
        // One try back, not five: the next failure closes the door again.
        attempts.failed(a);
        assertThat(attempts.refusedFor(a)).isPositive();
    }

    @Test
    void slowFailuresNeverLockOut() throws Exception {
        InetAddress a = address("127.0.0.8");
        for (int i = 0; i < 50; i++) {
            assertThat(attempts.refusedFor(a)).as("failure %d", i).isZero();
            attempts.failed(a);
            advance(Duration.ofSeconds(12));
        }
    }

    @Test
    void addressesAreCountedApart() throws Exception {
        InetAddress a = address("127.0.0.9");
        InetAddress b = address("::1");
        for (int i = 0; i < FailedAttempts.BURST; i++) {
            attempts.failed(a);
        }
        assertThat(attempts.refusedFor(a)).isPositive();
        assertThat(attempts.refusedFor(b)).isZero();
    }

    @Test
    void aFloodOfAddressesDoesNotGrowTheMapWithoutEnd() throws Exception {
        for (int i = 0; i < FailedAttempts.MAX_ADDRESSES + 500; i++) {
            attempts.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        assertThat(attempts.tracked()).isLessThanOrEqualTo(FailedAttempts.MAX_ADDRESSES);
        // Room is made by forgetting full buckets first: an address still being refused is kept.
        InetAddress guessing = address("127.0.0.10");
        for (int i = 0; i < FailedAttempts.BURST; i++) {
            attempts.failed(guessing);
        }
        advance(FailedAttempts.REFILL); // every flooded bucket is full again; the guesser's too, once
        for (int i = 0; i < FailedAttempts.BURST; i++) {
            attempts.failed(guessing);
        }
        for (int i = 0; attempts.tracked() < FailedAttempts.MAX_ADDRESSES; i++) {
            attempts.failed(InetAddress.getByAddress(new byte[] {11, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        attempts.failed(address("127.0.0.11")); // the map is full: the refilled flood goes, the guesser stays
        assertThat(attempts.tracked()).isLessThan(FailedAttempts.MAX_ADDRESSES);
        assertThat(attempts.refusedFor(guessing)).isPositive();
    }
}
