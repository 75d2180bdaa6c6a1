package dev.taskmaster.server.output;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent output of one instance, bounded in bytes, addressed by absolute offsets in
 * each of the three {@link OffsetSpace}s. Bytes are stored once, in arrival order; a short
 * index of segments (runs of one stream) maps stream offsets onto them. When the ring is full
 * the oldest bytes go; offsets never move. The buffer grows with what is held, up to the
 * capacity: a thousand quiet programs with a 1 MiB capacity each do not take a gigabyte.
 * Together the rings stay within a {@link RingBudget}: when it is reached, a ring keeps wrapping
 * in the buffer it has (its newest bytes, fewer of them) and rings above their fair share give
 * back their oldest bytes (see {@link RingBudget} for the policy).
 *
 * <p>Threading: every method may be called from any thread (one lock; the pump thread appends,
 * gRPC threads and viewers read). Nothing here blocks beyond copying bytes.
 */
public final class OutputRing {

    /** Bytes a process wrote to one stream, with their offset in the space they were read in. */
    public record Piece(StdStream stream, long offset, byte[] data) {
    }

    /** A run of bytes of one stream: its place in the combined space and in its stream's space. */
    private static final class Segment {
        final StdStream stream;
        long combined;
        long offset;
        long length;

        Segment(StdStream stream, long combined, long offset) {
            this.stream = stream;
            this.combined = combined;
            this.offset = offset;
        }
    }

    /**
     * Size of the buffer of a ring that has held nothing yet: small, since most programs print
     * little (1,000 quiet programs take 1 MiB, not 4); the first lines grow it by doubling.
     */
    static final int INITIAL_BYTES = 1024;

    /** Holds the bytes [start, end) at {@code offset % data.length}; never more than {@link #limit}. */
    private byte[] data;
    private int limit;
    private final RingBudget budget;
    /** What {@link #data} is charged to in {@link #budget}. */
    private final RingBudget.Member member;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    /** Combined offsets held: [start, end). */
    private long start;
    private long end;
    private final long[] streamEnd = new long[2];

    /** A ring within the daemon's {@link RingBudget#shared() budget}. */
    public OutputRing(int capacity) {
        this(capacity, RingBudget.shared());
    }

    public OutputRing(int capacity, RingBudget budget) {
        limit = capacity;
        this.budget = budget;
        data = new byte[Math.min(capacity, INITIAL_BYTES)];
        member = budget.join(this, data.length);
    }

    /** The most bytes held (the configured size). */
    public synchronized int capacity() {
        return limit;
    }

    /** Bytes of memory the buffer takes now. */
    synchronized int allocated() {
        return data.length;
    }

    /** Copies the remaining bytes of {@code bytes} in (its position is left unchanged). */
    public void append(StdStream stream, ByteBuffer bytes) {
        if (appendHere(stream, bytes)) {
            // Held below its fair share by the budget: the rings above it give back (no lock held here).
            budget.reclaimFor(this);
        }
    }

    /** {@link #append}; true when the budget held this ring below its fair share. */
    private synchronized boolean appendHere(StdStream stream, ByteBuffer bytes) {
        int n = bytes.remaining();
        if (n == 0) {
            return false;
        }
        int cap = limit;
        long heldAfter = Math.min(cap, end - start + n);
        boolean starved = false;
        if (heldAfter > data.length) {
            // Doubling keeps growth cheap over many small appends.
            starved = !grow((int) Math.min(cap, Math.max(heldAfter, 2L * data.length)));
        }
        // Only the last `room` bytes can be held (the buffer when the budget kept it smaller than
        // the capacity); the ones before still count in the offsets.
        int room = Math.min(cap, data.length);
        int keep = Math.min(n, room);
        copyIn(end + n - keep, bytes, bytes.position() + n - keep, keep);
        Segment last = segments.peekLast();
        if (last == null || last.stream != stream) {
            last = new Segment(stream, end, streamEnd[stream.ordinal()]);
            segments.addLast(last);
        }
        last.length += n;
        end += n;
        streamEnd[stream.ordinal()] += n;
        evict(end - room);
        // Interleaved tiny writes of two streams would make one segment per write: bound the index too.
        while (segments.size() > maxSegments(cap)) {
            Segment first = segments.peekFirst();
            evict(first.combined + first.length);
        }
        return starved;
    }

    /**
     * Grows the buffer to {@code wanted} bytes, or as near as the budget allows (the fair share);
     * false when it stays below the fair share, so others should give back.
     */
    private boolean grow(int wanted) {
        if (budget.reserve(member, wanted - data.length)) {
            relayout(wanted);
            return true;
        }
        long share = budget.fairShare();
        int fair = (int) Math.min(wanted, share);
        if (fair > data.length && budget.reserve(member, fair - data.length)) {
            relayout(fair);
        }
        return data.length < share;
    }

    /**
     * Gives back what this ring holds beyond {@code share} bytes: its oldest bytes go (offsets
     * stay). For {@link RingBudget#reclaimFor}.
     */
    synchronized void trimTo(long share) {
        int size = (int) Math.max(INITIAL_BYTES, Math.min(share, data.length));
        if (size >= data.length) {
            return;
        }
        evict(end - size);
        relayout(size);
    }

    private static int maxSegments(int capacity) {
        return Math.max(64, capacity / 256);
    }

    private void copyIn(long at, ByteBuffer src, int from, int n) {
        int cap = data.length;
        int pos = (int) (at % cap);
        int first = Math.min(n, cap - pos);
        src.get(from, data, pos, first);
        if (first < n) {
            src.get(from + first, data, 0, n - first);
        }
    }

    /** Forgets everything before combined offset {@code newStart}. */
    private void evict(long newStart) {
        while (start < newStart && !segments.isEmpty()) {
            Segment s = segments.peekFirst();
            long drop = Math.min(s.length, newStart - start);
            s.combined += drop;
            s.offset += drop;
            s.length -= drop;
            start += drop;
            if (s.length == 0) {
                segments.removeFirst();
            }
        }
        start = Math.max(start, Math.min(newStart, end));
    }

    /** Oldest offset still held in {@code space} (its end when nothing of it is held). */
    public synchronized long start(OffsetSpace space) {
        if (space == OffsetSpace.COMBINED) {
            return start;
        }
        for (Segment s : segments) {
            if (space.holds(s.stream)) {
                return s.offset;
            }
        }
        return streamEnd[space.ordinal()];
    }

    /** Offset the next byte of {@code space} will get. */
    public synchronized long end(OffsetSpace space) {
        return space == OffsetSpace.COMBINED ? end : streamEnd[space.ordinal()];
    }

    /**
     * Up to {@code max} bytes of {@code space} from offset {@code from} on, as pieces of one
     * stream each. Starts at {@link #start} when {@code from} is older than what is held.
     */
    public synchronized List<Piece> read(OffsetSpace space, long from, int max) {
        List<Piece> out = new ArrayList<>();
        long want = max;
        for (Segment s : segments) {
            if (want <= 0) {
                break;
            }
            if (!space.holds(s.stream)) {
                continue;
            }
            long segStart = space == OffsetSpace.COMBINED ? s.combined : s.offset;
            long segEnd = segStart + s.length;
            if (segEnd <= from) {
                continue;
            }
            long first = Math.max(from, segStart);
            int n = (int) Math.min(want, segEnd - first);
            byte[] bytes = new byte[n];
            copyOut(s.combined + (first - segStart), bytes);
            out.add(new Piece(s.stream, first, bytes));
            want -= n;
        }
        return out;
    }

    private void copyOut(long at, byte[] dst) {
        int cap = data.length;
        int pos = (int) (at % cap);
        int first = Math.min(dst.length, cap - pos);
        System.arraycopy(data, pos, dst, 0, first);
        if (first < dst.length) {
            System.arraycopy(data, 0, dst, first, dst.length - first);
        }
    }

    /**
     * What the ring holds and where its offsets stand, for a re-exec's handover: the most recent
     * {@code maxBytes} at most (older bytes are left out, their offsets still counted).
     */
    public record Image(long end, long stdoutEnd, long stderrEnd, List<Run> runs) {
        /** Bytes of one stream at a combined offset and an offset in their stream's space. */
        public record Run(StdStream stream, long combined, long offset, byte[] data) {
        }
    }

    public synchronized Image image(int maxBytes) {
        List<Image.Run> runs = new ArrayList<>();
        long budget = maxBytes;
        for (var it = segments.descendingIterator(); it.hasNext() && budget > 0;) {
            Segment s = it.next();
            long n = Math.min(s.length, budget);
            byte[] bytes = new byte[(int) n];
            long skip = s.length - n;
            copyOut(s.combined + skip, bytes);
            runs.addFirst(new Image.Run(s.stream, s.combined + skip, s.offset + skip, bytes));
            budget -= n;
        }
        return new Image(end, streamEnd[0], streamEnd[1], runs);
    }

    /**
     * Takes an {@link #image} of the ring of the program before a re-exec, so that offsets go on
     * where they were: only while nothing was appended yet.
     */
    public synchronized void restore(Image image) {
        if (end != 0) {
            throw new IllegalStateException("restore into a ring that already holds output");
        }
        segments.clear();
        start = image.runs().isEmpty() ? image.end() : image.runs().getFirst().combined();
        end = start;
        for (Image.Run r : image.runs()) {
            end = r.combined();
            start = Math.min(start, end);
            streamEnd[r.stream().ordinal()] = r.offset();
            // Within the budget like any output (a lock is held: no reclaiming from other rings here).
            appendHere(r.stream(), ByteBuffer.wrap(r.data()));
        }
        end = Math.max(end, image.end());
        if (segments.isEmpty()) {
            start = end;
        }
        streamEnd[0] = image.stdoutEnd();
        streamEnd[1] = image.stderrEnd();
    }

    /** Drops every byte held; offsets go on from where they are. */
    public synchronized void clear() {
        segments.clear();
        start = end;
    }

    /** Changes the capacity, keeping the most recent bytes that fit. */
    public synchronized void resize(int capacity) {
        if (capacity == limit) {
            return;
        }
        limit = capacity;
        evict(end - capacity);
        int size = (int) Math.min(capacity, Math.max(end - start, INITIAL_BYTES));
        if (size > data.length) {
            // At most the first few KiB of a ring made smaller than that: granted whatever the budget says.
            budget.force(member, size - data.length);
        }
        relayout(size);
    }

    /**
     * Moves what is held into a buffer of {@code size} bytes (at least what is held), charging
     * the difference to the budget: a growth was reserved before, a shrink or a same-size resize
     * is settled here.
     */
    private void relayout(int size) {
        byte[] old = data;
        int before = old.length;
        data = new byte[size];
        // Straight from the old buffer to the new one, in up to three runs (each side may wrap):
        // no copy of what is held in between, which a megabyte ring would make a megabyte of garbage.
        for (long at = start; at < end;) {
            int from = (int) (at % before);
            int to = (int) (at % size);
            int n = (int) Math.min(end - at, Math.min(before - from, size - to));
            System.arraycopy(old, from, data, to, n);
            at += n;
        }
        if (size < before) {
            budget.release(member, before - size);
        }
    }
}
