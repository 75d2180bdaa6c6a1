package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RingBudgetTest {

    private static final int MIB = 1 << 20;

    private static void put(OutputRing r, String text) {
        r.append(StdStream.STDOUT, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String held(OutputRing r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.read(OffsetSpace.COMBINED, 0, Integer.MAX_VALUE).forEach(p -> out.writeBytes(p.data()));
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** Numbered lines of one ring, so that the newest can be recognized in what it holds. */
    private static String line(int ring, int i) {
        return "ring " + ring + " line " + i + " " + "x".repeat(40) + "\n";
    }

    @Test
    void manyFullRingsStayWithinTheBudgetAndKeepTheirNewestOutput() {
        int rings = 200;
        RingBudget budget = new RingBudget(4 * MIB);
        List<OutputRing> all = new ArrayList<>();
        for (int i = 0; i < rings; i++) {
            all.add(new OutputRing(MIB, budget));
        }
        // Every ring prints 2 MiB, twice its size, round robin: 400 MiB wanted from a 4 MiB budget.
        String[] last = new String[rings];
        for (int i = 0; (long) i * 61 < 2 * MIB; i++) {
            for (int r = 0; r < rings; r++) {
                last[r] = line(r, i);
                put(all.get(r), last[r]);
            }
            assertThat(budget.allocated()).isLessThanOrEqualTo(budget.limit());
        }
        long sum = all.stream().mapToLong(OutputRing::allocated).sum();
        assertThat(sum).as("what the rings take is what the budget counts").isEqualTo(budget.allocated());
        assertThat(sum).isLessThanOrEqualTo(4 * MIB);
        assertThat(budget.capped()).isPositive();
        long share = budget.fairShare();
        for (int r = 0; r < rings; r++) {
            OutputRing ring = all.get(r);
            String text = held(ring);
            assertThat(text).as("ring %d keeps its newest line", r).endsWith(last[r]);
            assertThat(text.length()).as("ring %d holds about its share", r).isGreaterThanOrEqualTo((int) share / 2);
            assertThat(ring.allocated()).isLessThanOrEqualTo((int) share);
            // What it holds is exactly the tail of what it was given, offsets included.
            long end = ring.end(OffsetSpace.COMBINED);
            assertThat(ring.start(OffsetSpace.COMBINED)).isEqualTo(end - text.length());
        }
    }

    @Test
    void aRingStartedLateGetsItsShareFromTheRingsThatGrewFirst() {
        RingBudget budget = new RingBudget(MIB);
        OutputRing early = new OutputRing(MIB, budget);
        OutputRing second = new OutputRing(MIB, budget);
        for (int i = 0; i < 40_000; i++) {
            put(early, line(0, i));
        }
        assertThat(early.allocated()).as("alone it may take what the other does not use").isGreaterThanOrEqualTo(MIB / 2);
        String lastLine = "";
        for (int i = 0; i < 20_000; i++) {
            lastLine = line(1, i);
            put(second, lastLine);
        }
        assertThat(second.allocated()).isGreaterThanOrEqualTo((int) (budget.fairShare() / 2));
        assertThat(early.allocated()).isLessThanOrEqualTo((int) budget.fairShare());
        assertThat(held(second)).endsWith(lastLine);
        assertThat(held(early)).endsWith(line(0, 39_999));
        assertThat(budget.allocated()).isLessThanOrEqualTo(MIB);
    }

    @Test
    void withRoomEveryRingGrowsToItsOwnSize() {
        RingBudget budget = new RingBudget(64L * MIB);
        OutputRing r = new OutputRing(MIB, budget);
        StringBuilder all = new StringBuilder();
        for (int i = 0; all.length() < 2 * MIB; i++) {
            String l = line(0, i);
            all.append(l);
            put(r, l);
        }
        assertThat(r.allocated()).isEqualTo(MIB);
        assertThat(held(r)).isEqualTo(all.substring(all.length() - MIB));
        assertThat(budget.capped()).isZero();
    }

    @Test
    void resizeAndClearAreCountedToo() {
        RingBudget budget = new RingBudget(8L * MIB);
        OutputRing r = new OutputRing(MIB, budget);
        put(r, "y".repeat(MIB));
        assertThat(budget.allocated()).isEqualTo(MIB);
        r.resize(8192);
        assertThat(budget.allocated()).isEqualTo(8192);
        r.resize(10);
        assertThat(budget.allocated()).isEqualTo(10);
        r.resize(MIB);
        assertThat(budget.allocated()).isEqualTo(r.allocated());
    }

    @RepeatedTest(5)
    void concurrentWritersNeverPassTheBudgetAndEachKeepsItsNewestLine() throws Exception {
        int rings = 64;
        RingBudget budget = new RingBudget(MIB);
        List<OutputRing> all = new ArrayList<>();
        for (int i = 0; i < rings; i++) {
            all.add(new OutputRing(256 << 10, budget));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> lastLines = new ArrayList<>();
            for (int r = 0; r < rings; r++) {
                int ring = r;
                lastLines.add(pool.submit(() -> {
                    go.await();
                    String l = "";
                    for (int i = 0; i < 3_000; i++) {
                        l = line(ring, i);
                        put(all.get(ring), l);
                        if (budget.allocated() > budget.limit()) {
                            throw new AssertionError("over the budget: " + budget.allocated());
                        }
                    }
                    return l;
                }));
            }
            go.countDown();
            for (int r = 0; r < rings; r++) {
                String l = lastLines.get(r).get(60, TimeUnit.SECONDS);
                assertThat(held(all.get(r))).endsWith(l);
            }
            assertThat(all.stream().mapToLong(OutputRing::allocated).sum()).isEqualTo(budget.allocated())
                    .isLessThanOrEqualTo(MIB);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theBudgetComesFromThePropertyOrAQuarterOfTheHeap() {
        assertThat(RingBudget.configured(null, 256L * MIB)).isEqualTo(64L * MIB);
        assertThat(RingBudget.configured("32M", 256L * MIB)).isEqualTo(32L * MIB);
        assertThat(RingBudget.configured("512k", 0)).isEqualTo(512L << 10);
        assertThat(RingBudget.configured("1g", 0)).isEqualTo(1L << 30);
        assertThat(RingBudget.configured("4096", 0)).isEqualTo(4096);
        assertThatThrownBy(() -> RingBudget.configured("lots", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(RingBudget.PROPERTY).hasMessageContaining("expected a positive size")
                .hasMessageContaining("found \"lots\"");
        assertThatThrownBy(() -> RingBudget.configured("0", 0)).hasMessageContaining("found \"0\"");
    }
}
