package dev.taskmaster.server.security;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows down guessing over TCP: a token bucket per peer address (the address, not the port, so
 * new connections do not start afresh). Each failed authentication takes one of {@value #BURST}
 * tokens; the bucket refills at {@value #BURST} per {@link #REFILL}. With the bucket empty, calls
 * from that address are refused as "too many failed attempts" without looking at their
 * credentials, until a token has come back (every 12 s). Successful calls cost nothing, so a
 * legitimate client is never slowed. Thread-safe (synchronized: the map is small and the work
 * per call a few arithmetic operations).
 */
public final class FailedAttempts {

    /** Failures allowed in a row before an address is refused. */
    static final int BURST = 5;
    /** Time in which a full bucket comes back. */
    static final Duration REFILL = Duration.ofMinutes(1);
    /** Addresses tracked at most; full buckets are forgotten first, then the map is cleared. */
    static final int MAX_ADDRESSES = 10_000;

    private static final long NANOS_PER_TOKEN = REFILL.toNanos() / BURST;

    private record Bucket(double tokens, long at) {
    }

    private final LongSupplier nanoTime;
    private final Map<InetAddress, Bucket> buckets = new HashMap<>();

    public FailedAttempts() {
        this(System::nanoTime);
    }

    /** @param nanoTime a monotonic clock (tests drive it) */
    FailedAttempts(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Zero when {@code address} may try to authenticate now, else how long until it may. */
    public synchronized Duration refusedFor(InetAddress address) {
        Bucket b = refilled(address);
        return b.tokens >= 1 ? Duration.ZERO : Duration.ofNanos((long) ((1 - b.tokens) * NANOS_PER_TOKEN));
    }

    /** Records a failed authentication from {@code address}. */
    public synchronized void failed(InetAddress address) {
        Bucket b = refilled(address);
        if (buckets.size() >= MAX_ADDRESSES && !buckets.containsKey(address)) {
            forgetFull();
        }
        buckets.put(address, new Bucket(Math.max(0, b.tokens - 1), b.at));
    }

    private Bucket refilled(InetAddress address) {
        long now = nanoTime.getAsLong();
        Bucket b = buckets.get(address);
        if (b == null) {
            return new Bucket(BURST, now);
        }
        double tokens = Math.min(BURST, b.tokens + (double) (now - b.at) / NANOS_PER_TOKEN);
        return new Bucket(tokens, now);
    }

    /** Full buckets carry no memory of failures: dropping them changes nothing. */
    private void forgetFull() {
        buckets.keySet().removeIf(a -> refilled(a).tokens >= BURST);
        if (buckets.size() >= MAX_ADDRESSES) {
            buckets.clear(); // a flood from that many addresses: start over rather than grow without end
        }
    }

    synchronized int tracked() {
        return buckets.size();
    }
}
