package dev.taskmaster.server.engine;

import dev.taskmaster.server.engine.health.Prober;
import org.slf4j.Logger;

/**
 * What every supervisor shares: the engine thread, time, the journal, the launcher, the log, the health prober,
 * and the states of the programs each depends on.
 *
 * @param parkForDependencies hands the engine a process that its own start_delay or cron timer
 *                            found with unmet dependencies: it waits, SCHEDULED, and the engine
 *                            starts it with the others once they are met
 */
record EngineContext(EngineScheduler scheduler, EngineClock clock, EventJournal journal, ProcessLauncher launcher,
        Logger log, Prober prober, dev.taskmaster.server.engine.deps.DependencyWaits deps,
        java.util.function.Consumer<Supervisor> parkForDependencies) {
}
