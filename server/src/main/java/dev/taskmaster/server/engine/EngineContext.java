package dev.taskmaster.server.engine;

import org.slf4j.Logger;

/** What every supervisor shares: the engine thread, time, the journal, the launcher, the log. */
record EngineContext(EngineScheduler scheduler, EngineClock clock, EventJournal journal, ProcessLauncher launcher,
        Logger log) {
}
