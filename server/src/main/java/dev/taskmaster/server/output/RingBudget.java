package dev.taskmaster.server.output;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory every {@link OutputRing} of the daemon may take together. A ring's buffer grows
 * with what it holds, up to its own size ({@code output_buffer}); this budget caps the sum, so that
 * many programs printing at once cannot run the daemon out of heap (500 programs with 1 MiB
 * rings would want 500 MiB).
 *
 * <p>The policy, when the budget is reached: a ring that would grow keeps its buffer as it is and
 * goes on wrapping in it, so it always holds its <em>newest</em> output, just less of it. Each ring
 * is entitled to a fair share, the budget divided by the number of rings: a ring held below its
 * share makes the rings above the share give back what they hold beyond it (their oldest bytes).
 * So under pressure every program keeps about {@code budget / programs} of history for
 * {@code tail} and attach, and never less than what it had when the budget was reached. Log
 * files are not affected: they keep every byte. The first time the budget is reached the daemon
 * log says so (and again at most every {@link #LOG_EVERY_NANOS} while it stays reached); the
 * metrics {@code taskmaster_output_ring_bytes}, {@code taskmaster_output_ring_budget_bytes} and
 * {@code taskmaster_output_ring_capped} show it at any time.
 *
 * <p>The daemon's budget ({@link #shared}) is the system property
 * {@value #PROPERTY} (bytes, or with a K, M or G suffix), by default a quarter of the maximum
 * heap: 64 MiB with the launcher's {@code -Xmx256m}.
 *
 * <p>Threading: every method may be called from any thread. A ring calls {@link #reserve} and
 * {@link #release} under its own lock; {@link #reclaimFor} must be called holding no ring's lock
 * (it takes each other ring's lock in turn, never two at once).
 */
public final class RingBudget {

    private static final Logger log = LoggerFactory.getLogger(RingBudget.class);

    /** The system property that sizes {@link #shared}. */
    public static final String PROPERTY = "taskmaster.output.ring-budget";

    /** How often the log repeats that the budget is still reached. */
    static final long LOG_EVERY_NANOS = 10L * 60 * 1_000_000_000;

    private static volatile RingBudget shared;

    private final long limit;
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong capped = new AtomicLong();
    /** Every live ring, weakly: a ring of a removed program goes with its last reference. */
    private final Set<Member> members = new HashSet<>();
    private final ReferenceQueue<OutputRing> gone = new ReferenceQueue<>();
    private long lastLog;
    private boolean logged;

    public RingBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a ring budget must be positive, found " + limit);
        }
        this.limit = limit;
    }

    /** The daemon's budget, shared by every ring (see the class comment for its size). */
    public static RingBudget shared() {
        RingBudget b = shared;
        if (b == null) {
            synchronized (RingBudget.class) {
                b = shared;
                if (b == null) {
                    b = new RingBudget(configured(System.getProperty(PROPERTY), Runtime.getRuntime().maxMemory()));
                    shared = b;
                }
            }
        }
        return b;
    }

    /**
     * The budget a property value asks for, else a quarter of {@code maxHeap}.
     *
     * @throws IllegalArgumentException naming the property when the value is not a size
     */
    static long configured(String value, long maxHeap) {
        if (value == null || value.isBlank()) {
            return Math.max(1 << 20, maxHeap / 4);
        }
        String v = value.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G') {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(v), unit);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // told below
        }
        throw new IllegalArgumentException(
                "-D" + PROPERTY + ": expected a positive size in bytes (e.g. 64M), found \"" + value + "\"");
    }

    /** The most bytes all rings may take together. */
    public long limit() {
        return limit;
    }

    /** Bytes the rings' buffers take now. */
    public long allocated() {
        return allocated.get();
    }

    /** Times a ring was kept smaller than it wanted because the budget was reached. */
    public long capped() {
        return capped.get();
    }

    /** Live rings sharing this budget. */
    public synchronized int rings() {
        expunge();
        return members.size();
    }

    /** What each ring is entitled to when every ring wants more than it has. */
    public long fairShare() {
        return limit / Math.max(1, rings());
    }

    /** Counts a new ring in, with the buffer it starts with (always granted: a few KiB). */
    synchronized Member join(OutputRing ring, int initialBytes) {
        expunge();
        Member m = new Member(ring, gone);
        members.add(m);
        m.charge(initialBytes);
        allocated.addAndGet(initialBytes);
        return m;
    }

    /** Takes {@code bytes} more for {@code m}'s ring if the budget has room; false, and counted, when not. */
    boolean reserve(Member m, long bytes) {
        long now;
        do {
            now = allocated.get();
            if (now + bytes > limit) {
                capped.incrementAndGet();
                reached(now);
                return false;
            }
        } while (!allocated.compareAndSet(now, now + bytes));
        m.charge(bytes);
        return true;
    }

    /** Takes {@code bytes} for {@code m}'s ring whatever the budget says (a resize to less than it holds). */
    void force(Member m, long bytes) {
        m.charge(bytes);
        allocated.addAndGet(bytes);
    }

    /** Gives back {@code bytes} of {@code m}'s ring. */
    void release(Member m, long bytes) {
        m.charge(-bytes);
        allocated.addAndGet(-bytes);
    }

    /**
     * Makes room for a ring held below its fair share: every other ring above the share gives
     * back its oldest bytes beyond it. Call holding no ring's lock.
     */
    void reclaimFor(OutputRing requester) {
        long share = fairShare();
        List<OutputRing> others = new ArrayList<>();
        synchronized (this) {
            for (Member m : members) {
                OutputRing r = m.get();
                if (r != null && r != requester && m.charged() > share) {
                    others.add(r);
                }
            }
        }
        for (OutputRing r : others) {
            r.trimTo(share);
        }
    }

    private void reached(long now) {
        long t = System.nanoTime();
        synchronized (this) {
            if (logged && t - lastLog < LOG_EVERY_NANOS) {
                return;
            }
            logged = true;
            lastLog = t;
        }
        log.warn("output rings reached their memory budget ({} of {} in use by {} programs): each keeps its newest output,"
                + " at least ~{} of it for tail and attach, older bytes only in the log files"
                + " (raise with TASKMASTER_JAVA_OPTS=-D{}=SIZE, or lower output_buffer)",
                mib(now), mib(limit), rings(), kib(fairShare()), PROPERTY);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    private static String kib(long bytes) {
        return (bytes >> 10) + " KiB";
    }

    /** Releases what the rings that were collected held. Under this object's lock. */
    private void expunge() {
        for (var ref = gone.poll(); ref != null; ref = gone.poll()) {
            Member m = (Member) ref;
            if (members.remove(m)) {
                allocated.addAndGet(-m.charged());
            }
        }
    }

    /** A ring's place in the budget: what its buffer takes, known even once the ring is collected. */
    static final class Member extends WeakReference<OutputRing> {
        private final AtomicLong charged = new AtomicLong();

        Member(OutputRing ring, ReferenceQueue<OutputRing> queue) {
            super(ring, queue);
        }

        long charged() {
            return charged.get();
        }

        void charge(long bytes) {
            charged.addAndGet(bytes);
        }
    }
}
