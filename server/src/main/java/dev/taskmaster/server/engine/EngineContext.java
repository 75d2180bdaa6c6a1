package dev.taskmaster.server.engine;

import dev.taskmaster.server.engine.health.Prober;
import org.slf4j.Logger;

/**
 * What every supervisor shares: the engine thread, time, the journal, the launcher, the log, the health prober,
 * and the states of the programs each depends on.
 */
record EngineContext(EngineScheduler scheduler, EngineClock clock, EventJournal journal, ProcessLauncher launcher,
        Logger log, Prober prober, dev.taskmaster.server.engine.deps.DependencyWaits deps) {
}
