package dev.taskmaster.server.engine;

import dev.taskmaster.server.engine.health.ProbeResult;
import dev.taskmaster.server.engine.health.ProbeTarget;
import dev.taskmaster.server.engine.health.Prober;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A prober that probes nothing: tests answer each probe (or never do) and see when each was asked for. */
final class FakeProber implements Prober {

    /** One probe asked for. */
    record Probe(ProbeTarget target, Duration timeout, Duration at, CompletableFuture<ProbeResult> result) {
        void answer(boolean healthy, String output) {
            result.complete(new ProbeResult(healthy, output));
        }
    }

    private final ManualScheduler clock;
    final List<Probe> probes = new ArrayList<>();

    FakeProber(ManualScheduler clock) {
        this.clock = clock;
    }

    @Override
    public CompletableFuture<ProbeResult> probe(ProbeTarget target, Duration timeout) {
        Probe p = new Probe(target, timeout, clock.elapsed(), new CompletableFuture<>());
        probes.add(p);
        return p.result();
    }

    Probe last() {
        if (probes.isEmpty()) {
            throw new AssertionError("no probe was asked for");
        }
        return probes.getLast();
    }

    /** Answers the latest probe and runs what that makes ready (the result comes back through the engine queue). */
    void answer(boolean healthy, String output) {
        last().answer(healthy, output);
        clock.runReady();
    }
}
